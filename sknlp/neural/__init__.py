"""Neural text classifiers (PyTorch modules wrapped with skorch)."""

from ._hf import minilm_path
from ._lstm import LSTMClassifier
from ._training import TrainingDiverged
from ._transformer import TransformerClassifier

__all__ = ["LSTMClassifier", "TrainingDiverged", "TransformerClassifier", "minilm_path"]
