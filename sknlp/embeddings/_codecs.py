"""How gensim's word vectors are written to sknlp model files."""

import numpy as np

from .._persist import ModelFileError, register_codec


def _is_keyed_vectors(obj):
    return type(obj).__module__.startswith("gensim") and hasattr(obj, "index_to_key") and \
        not _is_fasttext(obj)


def _is_fasttext(obj):
    return type(obj).__module__.startswith("gensim") and \
        type(obj).__name__ == "FastTextKeyedVectors"


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


# fastText's vectors: the words' (subwords included) and the n-gram table that gives unseen
# words theirs; the raw vectors that only further training would use are not written.
def _write_fasttext(kv, writer):
    return {"words": _write(kv, writer), "ngrams": writer.array(kv.vectors_ngrams),
            "min_n": int(kv.min_n), "max_n": int(kv.max_n), "bucket": int(kv.bucket)}


def _read_fasttext(node, reader):
    from gensim.models.fasttext import FastTextKeyedVectors

    value = node["__fasttext__"]
    words = _read({"__keyedvectors__": value["words"]}, reader)
    ngrams = reader.array(value["ngrams"], kinds="f")
    sizes = [value.get(k) for k in ("min_n", "max_n", "bucket")]
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in sizes) or \
            ngrams.shape != (sizes[2], words.vector_size):
        raise ModelFileError(f"malformed model file: fastText n-gram table of shape "
                             f"{ngrams.shape} for settings {sizes}")
    kv = FastTextKeyedVectors(words.vector_size, *sizes)
    kv.add_vectors(list(words.index_to_key), words.vectors)
    kv.vectors_ngrams = ngrams.astype(np.float32)
    return kv


register_codec("__fasttext__", accepts=_is_fasttext, write=_write_fasttext,
               read=_read_fasttext)


# A Doc2Vec model is written as what inference needs: the token vectors with their counts,
# down-sampling thresholds and negative-sampling table, the output weights, the training
# documents' vectors and the settings. Read back, it infers exactly the same vectors.
_DOC2VEC_SETTINGS = ("vector_size", "dm", "dbow_words", "dm_concat", "dm_tag_count", "window",
                     "negative", "ns_exponent", "cbow_mean", "sample", "epochs", "alpha",
                     "min_alpha", "min_count", "seed", "hs", "shrink_windows")


def _is_doc2vec(obj):
    return type(obj).__module__.startswith("gensim") and type(obj).__name__ == "Doc2Vec"


def _write_doc2vec(model, writer):
    if model.hs or model.dm_concat:
        raise TypeError("sknlp.save writes Doc2Vec models trained with negative sampling and "
                        "without dm_concat (the kinds sknlp.Doc2Vec trains)")
    settings = {k: getattr(model, k) for k in _DOC2VEC_SETTINGS}
    settings = {k: (v.item() if hasattr(v, "item") else v) for k, v in settings.items()}
    wv = model.wv
    return {"settings": settings, "words": _write(wv, writer),
            "count": writer.array(wv.expandos["count"]),
            "sample_int": writer.array(wv.expandos["sample_int"]),
            "cum_table": writer.array(model.cum_table),
            "syn1neg": writer.array(model.syn1neg), "docs": writer.array(model.dv.vectors)}


def _read_doc2vec(node, reader):
    from gensim.models import Doc2Vec, KeyedVectors

    value = node["__doc2vec__"]
    settings = value["settings"]
    if not isinstance(settings, dict) or set(settings) != set(_DOC2VEC_SETTINGS) or not all(
            isinstance(v, (int, float)) for v in settings.values()):
        raise ModelFileError("malformed model file: Doc2Vec settings")
    wv = _read({"__keyedvectors__": value["words"]}, reader)
    n, dim = wv.vectors.shape
    arrays = {"count": reader.array(value["count"], kinds="iu"),
              "sample_int": reader.array(value["sample_int"], kinds="u"),
              "cum_table": reader.array(value["cum_table"], kinds="u"),
              "syn1neg": reader.array(value["syn1neg"], kinds="f"),
              "docs": reader.array(value["docs"], kinds="f")}
    expected = {"count": (n,), "sample_int": (n,), "cum_table": (n,), "syn1neg": (n, dim)}
    bad = [k for k, shape in expected.items() if arrays[k].shape != shape]
    if bad or arrays["docs"].ndim != 2 or arrays["docs"].shape[1] != dim or \
            settings["vector_size"] != dim or settings["hs"] or settings["dm_concat"]:
        raise ModelFileError(f"malformed model file: Doc2Vec arrays {bad or ['docs']} do not "
                             f"fit {n} token vectors of size {dim}")
    model = Doc2Vec(**{k: v for k, v in settings.items() if k not in ("dm_tag_count",)})
    model.wv = wv
    wv.allocate_vecattrs(attrs=["count", "sample_int"], types=[np.int64, np.uint32])
    wv.expandos["count"][:] = arrays["count"]
    wv.expandos["sample_int"][:] = arrays["sample_int"]
    wv.vectors_lockf = np.ones(1, dtype=np.float32)
    model.cum_table = arrays["cum_table"].astype(np.uint32)
    model.syn1neg = arrays["syn1neg"].astype(np.float32)
    model.dv = KeyedVectors(dim, count=0)
    model.dv.add_vectors(list(range(len(arrays["docs"]))), arrays["docs"])
    model.dm_tag_count = settings["dm_tag_count"]
    return model


register_codec("__doc2vec__", accepts=_is_doc2vec, write=_write_doc2vec, read=_read_doc2vec)
