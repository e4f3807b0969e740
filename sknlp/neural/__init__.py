"""Neural text classifiers (PyTorch modules wrapped with skorch)."""

from ._lstm import LSTMClassifier
from ._transformer import TransformerClassifier

__all__ = ["LSTMClassifier", "TransformerClassifier"]
