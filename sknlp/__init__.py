"""sknlp: modern NLP models as first-class scikit-learn estimators."""

__version__ = "0.1.0.dev0"

from .preprocessing import Tokenizer  # noqa: E402

__all__ = ["Tokenizer", "__version__"]
