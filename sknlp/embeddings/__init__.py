"""Word embeddings as scikit-learn transformers."""

from . import _codecs  # noqa: F401 - registers the gensim codec of sknlp.save
from ._word2vec import Word2Vec

__all__ = ["Word2Vec"]
