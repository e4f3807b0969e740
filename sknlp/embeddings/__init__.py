"""Word and document embeddings as scikit-learn transformers."""

from . import _codecs  # noqa: F401 - registers the gensim codecs of sknlp.save
from ._doc2vec import Doc2Vec
from ._fasttext import FastText
from ._word2vec import Word2Vec

__all__ = ["Doc2Vec", "FastText", "Word2Vec"]
