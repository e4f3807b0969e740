"""TransformerClassifier: a Transformer encoder text classifier trained from scratch."""

import os
import warnings
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _TRAINING_DOC, _NeuralTextClassifier, _store_training_params
from ._modules import TransformerModule
from ._pooling import pooling_options


class TransformerClassifier(_NeuralTextClassifier):
    __doc__ = (
        """Transformer encoder text classifier (Vaswani et al., "Attention Is All You Need").

    Token and position embeddings, ``n_layers`` encoder blocks of multi-head self-attention
    and a feed-forward sublayer, each wrapped in a residual connection with layer
    normalisation, then a ``[CLS]`` token or the masked mean as the document vector. A
    key-padding mask keeps padding out of every attention. The attention is
    ``softmax(Q K^T / attention_temperature) V``; the usual divisor ``sqrt(d_k)`` is the
    default temperature, and it can be tuned.

    ``pretrained=`` fine-tunes from a :class:`LanguageModel` trained here (BERT's recipe on
    your own unlabelled text); to fine-tune a downloaded BERT-style model, use
    :class:`PretrainedClassifier`.

    Parameters
    ----------
    tokenizer : Tokenizer or None, default=None
        Tokenizer for raw text; ``None`` uses ``Tokenizer(num_words=30000, maxlen=400)``.
    d_model : int, default=128
        Width of the embeddings and of every sublayer.
    n_heads : int, default=4
        Attention heads (``d_model`` must be divisible by it).
    n_layers : int, default=2
        Encoder blocks.
    dim_feedforward : int, default=256
        Hidden width of the feed-forward sublayers.
    dropout : float, default=0.1
        Dropout on embeddings, attention and sublayer outputs.
    positional : {"sinusoidal", "learned"}, default="sinusoidal"
        Fixed sinusoidal position encodings or learned position embeddings.
    pooling : {"cls", "mean", "max", "attention"}, default="cls"
        Document vector: the output of a prepended ``[CLS]`` token, or the masked mean or
        maximum of the last layer, or additive attention over it (the modes of
        ``sknlp.neural._pooling``, shared by every encoder).
    attention_temperature : float or None, default=None
        Divisor of the attention scores; ``None`` means ``sqrt(d_model / n_heads)``.
    pretrained : LanguageModel, or str or path, default=None
        A :class:`LanguageModel` of ``architecture="transformer"`` (either objective) to
        fine-tune from: the classifier takes its tokenizer, embeddings and encoder blocks
        (its sizes must be the language model's); unfitted, it is first fitted on every
        text given to ``fit``, the unlabelled rows (``y == -1``) included, as
        :class:`LSTMClassifier` does; wrap a fitted one in ``FrozenEstimator`` to keep it
        through ``clone`` (a search, cross-validation). The language model trained its
        tokens' states, not the ``[CLS]`` token, which starts untrained: pool them with
        ``pooling="mean"``, and set ``max_epochs`` to the epochs you can afford, so that
        the learning rate decays to zero rather than being cut off (see the user guide).
        A folder of a BERT-style model is the deprecated spelling of
        :class:`PretrainedClassifier` (a ``FutureWarning``; removed in 0.3).
    max_length : int, default=256
        Deprecated with ``pretrained``: :class:`PretrainedClassifier`'s ``maxlen``.
    embeddings : Word2Vec or None, default=None
        Initialise the token embeddings from word vectors (their size must equal
        ``d_model``); see :class:`LSTMClassifier`.
    freeze_embeddings : bool, default=False
        Keep the token embeddings fixed.
    """
        + _TRAINING_DOC.format(max_epochs=5, lr="1e-3")
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels.
    tokenizer_ : Tokenizer or Hugging Face tokenizer or None
        The fitted tokenizer.
    net_ : skorch.NeuralNetClassifier
        The trained network.
    history_ : skorch.History
        Per-epoch losses, validation accuracy and durations.
    n_parameters_ : int
        Trainable parameters.

    Examples
    --------
    >>> from sknlp import TransformerClassifier
    >>> docs = ["great film", "loved it", "awful film", "hated it"] * 10
    >>> y = [1, 1, 0, 0] * 10
    >>> clf = TransformerClassifier(d_model=16, n_heads=2, n_layers=1, dim_feedforward=32,
    ...                             max_epochs=30, lr=0.01, random_state=0).fit(docs, y)
    >>> clf.predict(["loved it", "awful"]).tolist()
    [1, 0]
    """
    )

    _parameter_constraints = {
        **_NeuralTextClassifier._parameter_constraints,
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "positional": [StrOptions({"sinusoidal", "learned"})],
        "pooling": [StrOptions(pooling_options("cls"))],
        "attention_temperature": [Interval(Real, 0, None, closed="neither"), None],
        "pretrained": "no_validation",
        "max_length": [Interval(Integral, 2, None, closed="left")],
        "embeddings": "no_validation",
        "freeze_embeddings": ["boolean"],
    }

    def __init__(self, *, tokenizer=None, d_model=128, n_heads=4, n_layers=2,
                 dim_feedforward=256, dropout=0.1, positional="sinusoidal", pooling="cls",
                 attention_temperature=None, pretrained=None, max_length=256,
                 embeddings=None, freeze_embeddings=False, max_epochs=5, batch_size=64,
                 lr=1e-3, optimizer="adamw", weight_decay=0.01, lr_schedule="linear",
                 warmup_fraction=0.05, grad_clip=1.0, early_stopping=False,
                 scoring="loss", validation_fraction=None, patience=2, class_weight=None,
                 bucket=True, random_state=None, device="cpu", precision="float32",
                 n_jobs=None,
                 verbose=0, callbacks=None,
                 warm_start=False, checkpoint_dir=None):
        self.tokenizer = tokenizer
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.positional = positional
        self.pooling = pooling
        self.attention_temperature = attention_temperature
        self.pretrained = pretrained
        self.max_length = max_length
        self.embeddings = embeddings
        self.freeze_embeddings = freeze_embeddings
        _store_training_params(self, locals())

    # -- the deprecated pretrained path (PretrainedClassifier now) -------------------------

    def _hf_pretrained(self):
        """Whether ``pretrained`` names a Hugging Face model (the deprecated path) rather
        than being a LanguageModel to fine-tune from."""
        from ._base import _is_language_model

        return self.pretrained is not None and not _is_language_model(self.pretrained)

    @property
    def _module_class(self):
        if self._hf_pretrained():
            from ._hf import PretrainedModule

            return PretrainedModule
        return TransformerModule

    def _word_piece_limit(self):
        return self.max_length

    def _encode_fit(self, X):
        if not self._hf_pretrained():
            return super()._encode_fit(X)
        from . import _hf

        return _hf.encode_fit(self, self.pretrained, X)

    def _encode(self, X):
        if self.input_ != "hf":
            return super()._encode(X)
        from . import _hf

        return _hf.encode(self, X)

    def _tokenizer_vocab_size(self):
        if self.input_ == "hf":
            from . import _hf

            return _hf.vocab_size(self)
        return super()._tokenizer_vocab_size()

    def _id_tokens(self, ids):
        if self.input_ == "hf":
            from . import _hf

            return _hf.id_tokens(self, ids)
        return super()._id_tokens(ids)

    def _check_params(self):
        if self._hf_pretrained() and not isinstance(self.pretrained, (str, os.PathLike)):
            raise TypeError("pretrained should be a LanguageModel (architecture="
                            "'transformer'), a fitted one in FrozenEstimator, or (deprecated) "
                            f"a model folder, got {type(self.pretrained).__name__}")
        if self._hf_pretrained():
            warnings.warn("TransformerClassifier(pretrained=<a model folder>) is deprecated "
                          "and will be removed in 0.3; use PretrainedClassifier(model=..., "
                          "maxlen=...), which fine-tunes the same way", FutureWarning,
                          stacklevel=3)
        if not self._hf_pretrained() and self.d_model % self.n_heads:
            raise ValueError(f"n_heads={self.n_heads} must divide d_model={self.d_model}: each "
                             "head attends over d_model / n_heads dimensions")

    def _module_kwargs(self, vocab_size, n_classes, max_len, embedding_weights):
        if self._hf_pretrained():
            return dict(pretrained=str(self.pretrained), n_classes=n_classes,
                        pooling=self.pooling, dropout=self.dropout)
        return dict(vocab_size=vocab_size, n_classes=n_classes, max_len=max_len,
                    d_model=self.d_model, n_heads=self.n_heads, n_layers=self.n_layers,
                    dim_feedforward=self.dim_feedforward, dropout=self.dropout,
                    positional=self.positional, pooling=self.pooling,
                    attention_temperature=self.attention_temperature,
                    embedding_weights=embedding_weights,
                    freeze_embeddings=self.freeze_embeddings,
                    # Word2Vec vectors enter at their own scale; the trained table keeps it
                    # when a saved model is rebuilt without them
                    embedding_scale=None if embedding_weights is None else 1.0)
