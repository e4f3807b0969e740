"""Word embeddings as scikit-learn transformers."""

from ._word2vec import Word2Vec

__all__ = ["Word2Vec"]
