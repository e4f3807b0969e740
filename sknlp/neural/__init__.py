"""Neural text models (PyTorch modules wrapped with skorch): classifiers trained from
scratch or fine-tuned from a pretrained encoder, language models, and text to text."""

from . import _codecs  # noqa: F401 - registers the torch codecs of sknlp.save
from ._distill import DistillationLoss, DistilledClassifier
from ._hf import minilm_path
from ._language_model import LanguageModel
from ._lstm import LSTMClassifier
from ._pretrained import PretrainedClassifier
from ._seq2seq import Seq2Seq
from ._training import TrainingDiverged
from ._transformer import TransformerClassifier

__all__ = ["DistillationLoss", "DistilledClassifier", "LSTMClassifier", "LanguageModel",
           "PretrainedClassifier", "Seq2Seq", "TrainingDiverged", "TransformerClassifier",
           "minilm_path"]
