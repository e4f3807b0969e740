"""How gensim's word vectors are written to sknlp model files."""

import numpy as np

from .._persist import ModelFileError, register_codec


def _is_keyed_vectors(obj):
    return type(obj).__module__.startswith("gensim") and hasattr(obj, "index_to_key")


def _write(kv, writer):
    return {"vectors": writer.array(kv.vectors),
            "keys": writer.array(np.asarray(list(kv.index_to_key), dtype=str))}


def _read(node, reader):
    from gensim.models import KeyedVectors

    value = node["__keyedvectors__"]
    if isinstance(value, str):  # files of sknlp 0.1.0.dev0: keys as a JSON list
        vectors, keys = reader.array(value, kinds="f"), reader.node(node["keys"])
    else:
        vectors = reader.array(value["vectors"], kinds="f")
        keys = reader.array(value["keys"], kinds="U").tolist()
    if vectors.ndim != 2 or len(keys) != len(vectors) or \
            not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        raise ModelFileError(f"malformed model file: {len(keys)} distinct word keys expected "
                             f"for word vectors of shape {vectors.shape}")
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(keys, vectors)
    return kv


register_codec("__keyedvectors__", accepts=_is_keyed_vectors, write=_write, read=_read)
