"""Saving and loading models in a format that runs no code when it is read.

A saved model is a zip file holding ``model.json`` (the object tree: estimator classes,
their parameters and fitted attributes, as JSON) and one ``.npy`` file per array.

What loading promises, in the order it is checked:

1. **Sizes first.** The members' declared sizes are read from the zip directory and must
   add up to at most ``64 MiB + 100 x`` the file's own size (a compressed member cannot
   expand without limit); each array's ``.npy`` header must declare exactly the bytes that
   follow it, so no array is allocated larger than the data the file really holds.
2. **Types before imports.** A class named in the file is looked up in an allow-list
   (sknlp's and scikit-learn's public estimators, found in their public packages, plus the
   exact paths the caller passes as ``trusted``) before any module it names is imported;
   instances are made without calling ``__init__``.
3. **Content before use.** Sparse matrices pass scipy's full format check (indices in
   range, ``indptr`` monotonic); each sknlp estimator checks its fitted state against what
   it needs (``_persist_check``): a network's weights must match the module its saved
   arguments build, shape for shape, which is verified on torch's ``meta`` device before
   any memory is allocated.
4. **One error.** Whatever is wrong with a file, :func:`load` raises
   :class:`ModelFileError` (a ``ValueError``) naming the problem, or
   :class:`UntrustedTypeError` (a subclass) for a type that is not allowed; it returns
   estimators only.

Each model family registers how its own objects are written and read
(:func:`register_codec`): torch tensors live with the neural estimators, gensim vectors with
the embeddings, so a new family adds a codec instead of editing this file.

:func:`save` writes to a temporary file in the target folder and renames it into place, so a
failed or interrupted save leaves the previous file as it was.
"""

import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path, PurePath

import numpy as np

from .utils._files import atomic_write, check_writable

FORMAT = "sknlp-model"
FORMAT_VERSION = 1
MAX_DEPTH = 64  # nesting of the object tree: pipelines of pipelines stay far below
_BASE_BUDGET = 64 * 2**20  # bytes a file may expand to beyond 100x its own size
_EXPANSION = 100
_ARRAY_KINDS = "biufcUS"  # numeric, bool, fixed-width strings: never objects
_SPARSE_FORMATS = {"csr", "csc", "coo", "lil", "dok", "bsr", "dia"}
# The model families' codec modules (sknlp's own): the tags each reads, and the libraries
# whose objects it writes. A module is imported when a file uses one of its tags, or when
# an object of one of its libraries is saved.
_FAMILIES = {"sknlp.neural._codecs": (("__tensor__", "__hf_tokenizer__"),
                                      ("torch", "transformers", "tokenizers")),
             "sknlp.embeddings._codecs": (("__keyedvectors__", "__doc2vec__",
                                                        "__fasttext__"), ("gensim",))}
# Public packages whose estimators are trusted: a class path names one of these, and the
# class must be exported there (``__all__``) under the same path.
_TRUSTED_PACKAGES = {"sknlp": ("preprocessing", "embeddings", "neural"),
                     "sklearn": ("calibration", "cluster", "compose", "covariance",
                                 "cross_decomposition", "decomposition", "discriminant_analysis",
                                 "dummy", "ensemble", "feature_extraction", "feature_selection",
                                 "frozen", "gaussian_process", "impute", "isotonic",
                                 "kernel_approximation", "kernel_ridge", "linear_model",
                                 "manifold", "mixture", "model_selection", "multiclass",
                                 "multioutput", "naive_bayes", "neighbors", "neural_network",
                                 "pipeline", "preprocessing", "random_projection",
                                 "semi_supervised", "svm", "tree")}


class ModelFileError(ValueError):
    """The file cannot be loaded as a model: not a model file, truncated, corrupt,
    inconsistent, too large for its size, or from a newer format. Nothing from it was used."""


class UntrustedTypeError(ModelFileError, TypeError):
    """The object holds (or the file names) a type that is not trusted; nothing was created."""


@dataclass(frozen=True)
class Codec:
    """How one kind of object is written to and read from a model file.

    ``accepts(obj)`` says whether the codec writes ``obj``; ``write(obj, writer)`` returns the
    JSON node's payload (arrays go through ``writer.array``); ``read(node, reader)`` builds the
    object back (arrays through ``reader.array``) and must check what it reads.
    """

    tag: str
    accepts: object
    write: object
    read: object


_CODECS = {}


def register_codec(tag, *, accepts, write, read):
    """Register how objects of one library are saved; see :class:`Codec`."""
    if not (tag.startswith("__") and tag.endswith("__")):
        raise ValueError(f"codec tags look like __name__, got {tag!r}")
    _CODECS[tag] = Codec(tag, accepts, write, read)


def _codec(tag):
    if tag not in _CODECS:
        for module, (tags, _) in _FAMILIES.items():
            if tag in tags:
                import_module(module)  # sknlp's own module, chosen by the table above
    return _CODECS.get(tag)


def _path(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _trusted_class(path, extra):
    """The class at ``path`` if it is allowed, importing only public packages of sknlp and
    scikit-learn (or the module of a path the caller trusts by name); else None."""
    from sklearn.base import BaseEstimator

    if not isinstance(path, str) or not path.replace(".", "").replace("_", "").isalnum():
        return None
    parts = path.split(".")
    if path in extra:
        module, _, name = path.rpartition(".")
        try:
            obj = import_module(module)
            for part in name.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise ModelFileError(f"the file needs {path}, which this installation lacks "
                                 f"({exc})") from None
    else:
        packages = _TRUSTED_PACKAGES.get(parts[0], ())
        if len(parts) < 3 or parts[1] not in packages:
            return None
        package = import_module(f"{parts[0]}.{parts[1]}")
        name = parts[-1]
        obj = getattr(package, name, None) if name in getattr(package, "__all__", ()) else None
        if obj is None or not isinstance(obj, type) or _path(obj) != path:
            return None
    if not (isinstance(obj, type) and issubclass(obj, BaseEstimator)):
        return None
    return obj


class _Writer:
    def __init__(self, trusted):
        self.arrays = {}
        self.trusted = set(trusted or ())
        self._written = {}  # id of an array already written -> (its name, the array)

    def array(self, a):
        # An array the model holds twice (a fitted Word2Vec given as ``embeddings`` is also
        # ``embeddings_``) is written once; both places name the same member.
        if id(a) in self._written:
            return self._written[id(a)][0]
        name = f"arrays/{len(self.arrays)}.npy"
        self.arrays[name] = np.ascontiguousarray(a)
        self._written[id(a)] = (name, a)  # kept alive, so its id is not reused
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
            if obj.dtype.kind not in _ARRAY_KINDS:
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
        if isinstance(obj, PurePath):  # checkpoint_dir=Path(...): kept as a path, never read
            return {"__path__": str(obj)}
        if isinstance(obj, BaseEstimator):
            path = _path(type(obj))
            if path not in self.trusted and _trusted_class(path, ()) is not type(obj):
                raise UntrustedTypeError(
                    f"{where}: {path} is not a trusted type; pass trusted=[{path!r}] to "
                    "save and load if you trust it")
            if hasattr(type(obj), "_persist_state"):  # the class: wrappers forward attributes
                return {"__estimator__": path,
                        "attrs": self.node(obj._persist_state(), where)}
            return {"__estimator__": path, "attrs": self.node(vars(obj), where)}
        library = type(obj).__module__.split(".")[0]
        for module, (_, libraries) in _FAMILIES.items():  # registered when the family is
            if library in libraries:                      # imported; make sure it is
                import_module(module)
        for codec in _CODECS.values():
            if codec.accepts(obj):
                return {codec.tag: codec.write(obj, self)}
        raise UntrustedTypeError(
            f"{where}: cannot save an object of type {_path(type(obj))} safely (only "
            "estimators, arrays, tensors and plain data can be); use joblib.dump for it")


def _bad(msg):
    return ModelFileError(f"malformed model file: {msg}")


class _Reader:
    def __init__(self, archive, trusted):
        self.archive = archive
        self.trusted = set(trusted or ())
        self.names = {info.filename for info in archive.infolist()}

    def array(self, name, kinds=_ARRAY_KINDS):
        """A ``.npy`` member, its header checked against its size before anything is
        allocated."""
        if not isinstance(name, str) or not name.startswith("arrays/") or \
                name not in self.names:
            raise _bad(f"no array member {name!r}")
        data = self.archive.read(name)
        f = io.BytesIO(data)
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise _bad(f"{name} has .npy version {version}")
        except ValueError as exc:
            if isinstance(exc, ModelFileError):
                raise
            raise _bad(f"{name} is not a .npy array ({exc})") from None
        if dtype.hasobject or dtype.kind not in kinds:
            raise _bad(f"{name} has dtype {dtype}, expected one of kinds {kinds!r}")
        count = math.prod(int(s) for s in shape)
        if count * dtype.itemsize != len(data) - f.tell():
            raise _bad(f"{name} declares shape {shape} of {dtype} "
                       f"({count * dtype.itemsize:,} bytes) but holds {len(data) - f.tell():,}")
        return np.load(io.BytesIO(data), allow_pickle=False)

    def cls(self, path):
        obj = _trusted_class(path, self.trusted)
        if obj is None:
            raise UntrustedTypeError(
                f"the file holds an object of type {path}, which is not trusted: not an "
                "estimator class of sknlp's or scikit-learn's public packages; nothing was "
                f"loaded. If you trust this file, pass trusted=[{path!r}]")
        return obj

    def node(self, n, depth=0):  # noqa: C901 - mirrors _Writer.node
        if depth > MAX_DEPTH:
            raise _bad(f"objects nested deeper than {MAX_DEPTH} levels")
        if n is None or isinstance(n, (bool, str, int, float)):
            return n
        if not isinstance(n, dict) or not n:
            raise _bad(f"expected a tagged object, got {type(n).__name__}")
        d = depth + 1
        (tag, value), *rest = n.items()
        if tag == "__float__":
            if value not in ("nan", "inf", "-inf"):
                raise _bad(f"a non-finite float is {value!r}")
            return float(value)
        if tag == "__scalar__":
            return self.node(value, d)[()]
        if tag == "__ndarray__":
            return self.array(value)
        if tag == "__strarray__":
            return self.array(value, kinds="U").astype(object)
        if tag in ("__objarray__", "__list__", "__tuple__", "__dict__"):
            if not isinstance(value, list):
                raise _bad(f"{tag} holds a {type(value).__name__}, not a list")
        if tag == "__objarray__":
            out = np.empty(len(value), dtype=object)
            out[:] = [self.node(v, d) for v in value]
            return out.reshape(n["shape"])
        if tag == "__list__":
            return [self.node(v, d) for v in value]
        if tag == "__tuple__":
            return tuple(self.node(v, d) for v in value)
        if tag == "__dict__":
            if not all(isinstance(kv, list) and len(kv) == 2 for kv in value):
                raise _bad("a dict entry is not a [key, value] pair")
            return {self.node(k, d): self.node(v, d) for k, v in value}
        if tag == "__nptype__":
            return self._dtype(value).type
        if tag == "__dtype__":
            return self._dtype(value)
        if tag == "__sparse__":
            return self._sparse(n)
        if tag == "__path__":
            if not isinstance(value, str):
                raise _bad("a path that is not a string")
            return Path(value)
        if tag == "__randomstate__":
            rs = np.random.RandomState()
            rs.set_state(self.node(value, d))
            return rs
        if tag == "__estimator__":
            cls = self.cls(value)
            attrs = self.node(n["attrs"], d)
            if not isinstance(attrs, dict) or not all(isinstance(k, str) for k in attrs):
                raise _bad(f"the attributes of {value} are not a dict of names")
            obj = cls.__new__(cls)  # no __init__: nothing from the file runs
            if hasattr(cls, "_upgrade_state"):  # names renamed since the file was written
                attrs = cls._upgrade_state(attrs)
            if hasattr(cls, "_persist_restore"):
                obj._persist_restore(attrs)
            else:
                obj.__dict__.update(attrs)
            if hasattr(obj, "_persist_check"):
                obj._persist_check()
            return obj
        codec = _codec(tag) if isinstance(tag, str) else None
        if codec is None:
            raise _bad(f"unknown tag {tag!r}")
        return codec.read(n, self)

    def _dtype(self, value):
        dtype = np.dtype(str(value))
        if dtype.hasobject or dtype.kind not in _ARRAY_KINDS:
            raise _bad(f"dtype {dtype} is not allowed")
        return dtype

    def _sparse(self, n):
        import scipy.sparse as sp

        fmt, shape = n["__sparse__"], n["shape"]
        if fmt not in _SPARSE_FORMATS:
            raise _bad(f"unknown sparse format {fmt!r}")
        if not (isinstance(shape, list) and len(shape) == 2 and
                all(isinstance(s, int) and s >= 0 for s in shape)):
            raise _bad(f"sparse shape {shape!r}")
        indices, indptr = self.array(n["indices"], "iu"), self.array(n["indptr"], "iu")
        data = self.array(n["data"], "biufc")
        if indices.ndim != 1 or indptr.ndim != 1 or data.ndim != 1:
            raise _bad("sparse index arrays must be 1-D")
        csr = sp.csr_matrix((data, indices, indptr), shape=tuple(shape))
        csr.check_format(full_check=True)  # indices in range, indptr sorted and bounded
        return csr.asformat(fmt)


def save(model, path, *, trusted=None):
    """Save a fitted (or unfitted) model to ``path`` in a format that runs no code on load.

    Works for every sknlp estimator and for pipelines mixing them with scikit-learn parts.
    Objects that are not estimators, arrays, tensors or plain data (a lambda in a
    ``FunctionTransformer``, custom skorch callbacks) cannot be saved this way; the error
    says where they are. The file is written under a temporary name in the same folder and
    renamed into place: a save that fails or is killed leaves the previous file intact.

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
    from sklearn.base import BaseEstimator

    from . import __version__

    if not isinstance(model, BaseEstimator):
        raise TypeError(f"sknlp.save stores estimators and pipelines, got "
                        f"{type(model).__name__}")
    check_writable(path)
    writer = _Writer(trusted)
    tree = writer.node(model, "model")
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "sknlp_version": __version__, "model": tree}

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("model.json", json.dumps(manifest))
            for name, array in writer.arrays.items():
                buf = io.BytesIO()
                np.save(buf, array, allow_pickle=False)
                z.writestr(name, buf.getvalue())

    atomic_write(path, write)


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
    ModelFileError
        The file is not an sknlp model file, is truncated, corrupt or inconsistent, declares
        more data than it holds, or comes from a newer format version (a ``ValueError``).
    FileNotFoundError
        There is no file at ``path``.
    """
    from sklearn.base import BaseEstimator

    size = os.path.getsize(path)  # FileNotFoundError as such
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path} is not an sknlp model file, or it is truncated "
                             f"({exc})") from None
    with archive:
        budget = _BASE_BUDGET + _EXPANSION * size
        declared = sum(info.file_size for info in archive.infolist())
        if declared > budget:
            raise ModelFileError(
                f"{path} declares {declared:,} bytes of content in a {size:,}-byte file; "
                f"more than a model file expands to (at most {budget:,}): refused")
        try:
            manifest = json.loads(archive.read("model.json"))
        except KeyError:
            raise ModelFileError(f"{path} is not an sknlp model file (no model.json)") from None
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, RecursionError) as exc:
            raise ModelFileError(f"{path} is corrupt or truncated ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelFileError(f"{path} is not an sknlp model file")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ModelFileError(
                f"{path} was written in model format {version} by sknlp "
                f"{manifest.get('sknlp_version')}; this sknlp reads format {FORMAT_VERSION} "
                "and older. Upgrade sknlp to load it.")
        try:
            model = _Reader(archive, trusted).node(manifest.get("model"))
        except ModelFileError as exc:
            raise type(exc)(f"{path}: {exc}") from None
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ModelFileError(f"{path} is corrupt or truncated ({type(exc).__name__}: "
                                 f"{exc})") from None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, RuntimeError,
                RecursionError, OverflowError, MemoryError) as exc:
            raise ModelFileError(f"{path} is malformed ({type(exc).__name__}: {exc})") \
                from None
    if not isinstance(model, BaseEstimator):
        raise ModelFileError(f"{path} holds a {type(model).__name__}, not an estimator")
    return model
