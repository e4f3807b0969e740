"""sknlp: modern NLP models as first-class scikit-learn estimators.

Transformers: :class:`Tokenizer`, :class:`BagOfWords`, :class:`NGram` (in
``sknlp.preprocessing``) and :class:`Word2Vec` (in ``sknlp.embeddings``, needs gensim, loaded
on first use). Datasets live in ``sknlp.datasets``.
"""

__version__ = "0.1.0.dev0"

from .preprocessing import BagOfWords, NGram, Tokenizer, ngrams  # noqa: E402

__all__ = ["BagOfWords", "NGram", "Tokenizer", "Word2Vec", "__version__", "ngrams"]


def __getattr__(name):
    # gensim takes about a second to import: load it only when Word2Vec is used.
    if name == "Word2Vec":
        from .embeddings import Word2Vec

        return Word2Vec
    raise AttributeError(f"module 'sknlp' has no attribute {name!r}")
