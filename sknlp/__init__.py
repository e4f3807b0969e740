"""sknlp: modern NLP models as first-class scikit-learn estimators.

Transformers: :class:`Tokenizer`, :class:`BagOfWords`, :class:`NGram` (in
``sknlp.preprocessing``), :class:`Word2Vec`, :class:`FastText` and :class:`Doc2Vec` (in
``sknlp.embeddings``). Classifiers: :class:`LSTMClassifier` and :class:`TransformerClassifier`,
text to text :class:`Seq2Seq`, and :class:`LanguageModel` (in ``sknlp.neural``). gensim and
torch are imported on first use of the names that need them. Datasets live in
``sknlp.datasets``. :func:`save` and :func:`load` store models in a format that runs no code
when read.
"""

__version__ = "0.1.0.dev0"

from ._persist import ModelFileError, UntrustedTypeError, load, save  # noqa: E402
from .preprocessing import BagOfWords, NGram, NGramSequences, Tokenizer, ngrams  # noqa: E402

__all__ = ["BagOfWords", "DistilledClassifier", "Doc2Vec", "FastText", "LSTMClassifier",
           "LanguageModel", "ModelFileError", "NGram", "NGramSequences", "PretrainedClassifier",
           "Seq2Seq", "Tokenizer", "TransformerClassifier", "UntrustedTypeError", "Word2Vec",
           "__version__", "load", "ngrams", "save"]

_LAZY = {"Word2Vec": "embeddings", "Doc2Vec": "embeddings", "FastText": "embeddings",
         "LSTMClassifier": "neural", "DistilledClassifier": "neural",
         "TransformerClassifier": "neural", "PretrainedClassifier": "neural",
         "Seq2Seq": "neural", "LanguageModel": "neural"}


def __getattr__(name):
    # gensim and torch take seconds to import: load them only when their names are used.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'sknlp' has no attribute {name!r}")
