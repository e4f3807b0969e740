"""Saving and loading models in a format that runs no code when it is read.

A saved model is a zip file holding ``model.json`` (the object tree: estimator classes,
their parameters and fitted attributes, as JSON) and one ``.npy`` file per array, read back
with ``numpy.load(allow_pickle=False)``. Loading only creates instances of trusted classes
(scikit-learn's and sknlp's estimators, or classes the caller names) without calling their
``__init__``, and refuses anything else before importing it. Pickle and joblib keep working
for trusted files; this format is for files that come from elsewhere.
"""

import io
import json
import math
import zipfile
from importlib import import_module

import numpy as np

FORMAT = "sknlp-model"
FORMAT_VERSION = 1
TRUSTED_PREFIXES = ("sknlp.", "sklearn.")


class UntrustedTypeError(TypeError):
    """The file holds an object of a type that is not trusted; nothing was created."""


def _path(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


class _Writer:
    def __init__(self, trusted):
        self.arrays = {}
        self.trusted = set(trusted or ())

    def array(self, a):
        name = f"arrays/{len(self.arrays)}.npy"
        self.arrays[name] = np.ascontiguousarray(a)
        return name

    def node(self, obj, where):  # noqa: C901 - one branch per supported type
        from sklearn.base import BaseEstimator

        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, np.generic):
            return {"__scalar__": self.node(np.asarray(obj), where)}
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                if all(isinstance(v, str) for v in obj.flat):
                    return {"__strarray__": self.array(obj.astype(str)), "shape": obj.shape}
                return {"__objarray__": [self.node(v, f"{where}[{i}]")
                                         for i, v in enumerate(obj.flat)],
                        "shape": list(obj.shape)}
            if obj.dtype.kind not in "biufcUS":
                raise UntrustedTypeError(f"{where}: arrays of dtype {obj.dtype} cannot be saved")
            return {"__ndarray__": self.array(obj)}
        if isinstance(obj, list):
            return {"__list__": [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return {"__dict__": [[self.node(k, f"{where} key"), self.node(v, f"{where}[{k!r}]")]
                                 for k, v in obj.items()]}
        if isinstance(obj, type) and issubclass(obj, np.generic):
            return {"__nptype__": np.dtype(obj).str}
        if isinstance(obj, np.dtype):
            return {"__dtype__": obj.str}
        if hasattr(obj, "tocsr") and hasattr(obj, "nnz"):  # scipy sparse
            csr = obj.tocsr()
            return {"__sparse__": obj.format, "data": self.array(csr.data),
                    "indices": self.array(csr.indices), "indptr": self.array(csr.indptr),
                    "shape": list(csr.shape)}
        if isinstance(obj, np.random.RandomState):
            return {"__randomstate__": self.node(obj.get_state(), where)}
        module = type(obj).__module__
        if module.startswith("torch") and hasattr(obj, "detach"):
            t = obj.detach().cpu()
            dtype = str(t.dtype).removeprefix("torch.")
            if dtype == "bfloat16":
                t = t.float()
            return {"__tensor__": self.array(t.numpy()), "dtype": dtype}
        if module.startswith("gensim") and hasattr(obj, "index_to_key"):
            return {"__keyedvectors__": self.array(obj.vectors),
                    "keys": self.node(list(obj.index_to_key), where)}
        if isinstance(obj, BaseEstimator):
            path = _path(type(obj))
            if not (path.startswith(TRUSTED_PREFIXES) or path in self.trusted):
                raise UntrustedTypeError(
                    f"{where}: {path} is not a trusted type; pass trusted=[{path!r}] to "
                    "save and load if you trust it")
            if hasattr(type(obj), "_persist_state"):  # the class: wrappers forward attributes
                return {"__estimator__": path,
                        "attrs": self.node(obj._persist_state(), where)}
            return {"__estimator__": path, "attrs": self.node(vars(obj), where)}
        if module.startswith("transformers") and hasattr(obj, "name_or_path"):
            return {"__hf_tokenizer__": str(obj.name_or_path)}
        raise UntrustedTypeError(
            f"{where}: cannot save an object of type {_path(type(obj))} safely (only "
            "estimators, arrays, tensors and plain data can be); use joblib.dump for it")


class _Reader:
    def __init__(self, archive, trusted):
        self.archive = archive
        self.trusted = set(trusted or ())

    def array(self, name):
        with self.archive.open(name) as f:
            return np.load(io.BytesIO(f.read()), allow_pickle=False)

    def cls(self, path):
        module, _, name = path.rpartition(".")
        if not (path.startswith(TRUSTED_PREFIXES) or path in self.trusted):
            raise UntrustedTypeError(
                f"the file holds an object of type {path}, which is not trusted; nothing was "
                f"loaded. If you trust this file, pass trusted=[{path!r}]")
        from sklearn.base import BaseEstimator

        try:
            obj = import_module(module)
            for part in name.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"the file needs {path}, which this installation lacks "
                             f"({exc}); was it saved by another version?") from None
        if not (isinstance(obj, type) and issubclass(obj, BaseEstimator)):
            raise UntrustedTypeError(f"{path} is not an estimator class; nothing was loaded")
        return obj

    def node(self, n):  # noqa: C901 - mirrors _Writer.node
        if n is None or isinstance(n, (bool, str, int, float)):
            return n
        if isinstance(n, list):
            raise ValueError("malformed model file: a bare JSON list")
        (tag, value), *rest = n.items()
        if tag == "__float__":
            return float(value)
        if tag == "__scalar__":
            return self.node(value)[()]
        if tag == "__ndarray__":
            return self.array(value)
        if tag == "__strarray__":
            return self.array(value).astype(object)
        if tag == "__objarray__":
            out = np.empty(len(value), dtype=object)
            out[:] = [self.node(v) for v in value]
            return out.reshape(n["shape"])
        if tag == "__list__":
            return [self.node(v) for v in value]
        if tag == "__tuple__":
            return tuple(self.node(v) for v in value)
        if tag == "__dict__":
            return {self.node(k): self.node(v) for k, v in value}
        if tag == "__nptype__":
            return np.dtype(value).type
        if tag == "__dtype__":
            return np.dtype(value)
        if tag == "__sparse__":
            import scipy.sparse as sp

            csr = sp.csr_matrix((self.array(n["data"]), self.array(n["indices"]),
                                 self.array(n["indptr"])), shape=tuple(n["shape"]))
            return csr.asformat(value)
        if tag == "__randomstate__":
            rs = np.random.RandomState()
            rs.set_state(self.node(value))
            return rs
        if tag == "__tensor__":
            import torch

            t = torch.from_numpy(self.array(value).copy())
            return t.to(getattr(torch, n["dtype"])) if n["dtype"] == "bfloat16" else t
        if tag == "__keyedvectors__":
            from gensim.models import KeyedVectors

            vectors = self.array(value)
            kv = KeyedVectors(vectors.shape[1])
            kv.add_vectors(self.node(n["keys"]), vectors)
            return kv
        if tag == "__hf_tokenizer__":
            from .neural._hf import load_tokenizer

            return load_tokenizer(value)
        if tag == "__estimator__":
            cls = self.cls(value)
            attrs = self.node(n["attrs"])
            obj = cls.__new__(cls)  # no __init__: nothing from the file runs
            if hasattr(cls, "_persist_restore"):
                obj._persist_restore(attrs)
            else:
                obj.__dict__.update(attrs)
            return obj
        raise ValueError(f"malformed model file: unknown tag {tag!r}")


def save(model, path, *, trusted=None):
    """Save a fitted (or unfitted) model to ``path`` in a format that runs no code on load.

    Works for every sknlp estimator and for pipelines mixing them with scikit-learn parts.
    Objects that are not estimators, arrays, tensors or plain data (a lambda in a
    ``FunctionTransformer``, custom skorch callbacks) cannot be saved this way; the error
    says where they are.

    Parameters
    ----------
    model : estimator or Pipeline
    path : str or path-like
        The file to write (a zip archive; ``.sknlp`` by convention).
    trusted : list of str, default=None
        Extra estimator classes (``"package.module.Class"``) to allow besides
        scikit-learn's and sknlp's.

    Examples
    --------
    >>> import sknlp, tempfile, os
    >>> from sknlp import Tokenizer
    >>> tok = Tokenizer(maxlen=4).fit(["a good film", "a bad film"])
    >>> path = os.path.join(tempfile.mkdtemp(), "tok.sknlp")
    >>> sknlp.save(tok, path)
    >>> sknlp.load(path).transform(["a good film"])
    array([[2, 4, 3, 0]], dtype=int32)
    """
    from . import __version__

    writer = _Writer(trusted)
    tree = writer.node(model, "model")
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "sknlp_version": __version__, "model": tree}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("model.json", json.dumps(manifest))
        for name, array in writer.arrays.items():
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            z.writestr(name, buf.getvalue())


def load(path, *, trusted=None):
    """Load a model written by :func:`save`, creating only trusted classes.

    Parameters
    ----------
    path : str or path-like
    trusted : list of str, default=None
        Extra estimator classes to allow, as given to :func:`save`.

    Returns
    -------
    model : estimator or Pipeline

    Raises
    ------
    UntrustedTypeError
        The file names a class that is not trusted; nothing is imported or created.
    ValueError
        The file is not an sknlp model file, is truncated or corrupt, or comes from a newer
        format version.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path} is not an sknlp model file, or it is truncated ({exc})") \
            from None
    with archive:
        try:
            manifest = json.loads(archive.read("model.json"))
        except KeyError:
            raise ValueError(f"{path} is not an sknlp model file (no model.json)") from None
        except (zipfile.BadZipFile, json.JSONDecodeError, OSError, EOFError) as exc:
            raise ValueError(f"{path} is corrupt or truncated ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError(f"{path} is not an sknlp model file")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(
                f"{path} was written in model format {version} by sknlp "
                f"{manifest.get('sknlp_version')}; this sknlp reads format {FORMAT_VERSION} "
                "and older. Upgrade sknlp to load it.")
        try:
            return _Reader(archive, trusted).node(manifest["model"])
        except (zipfile.BadZipFile, EOFError, KeyError, OSError) as exc:
            raise ValueError(f"{path} is corrupt or truncated ({type(exc).__name__}: {exc})") \
                from None
