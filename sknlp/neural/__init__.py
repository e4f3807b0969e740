"""Neural text classifiers (PyTorch modules wrapped with skorch)."""

from . import _codecs  # noqa: F401 - registers the torch codecs of sknlp.save
from ._distill import DistillationLoss, DistilledClassifier
from ._hf import minilm_path
from ._lstm import LSTMClassifier
from ._training import TrainingDiverged
from ._transformer import TransformerClassifier

__all__ = ["DistillationLoss", "DistilledClassifier", "LSTMClassifier", "TrainingDiverged",
           "TransformerClassifier", "minilm_path"]
