"""LSTMClassifier: Embedding + (bi)LSTM text classifier."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._deprecation import DEPRECATED, DEPRECATED_OPTION, renamed_param
from ._base import _TRAINING_DOC, _NeuralTextClassifier, _store_training_params
from ._modules import LSTMModule
from ._pooling import pooling_options


class LSTMClassifier(_NeuralTextClassifier):
    __doc__ = (
        """Recurrent text classifier: embedding, (bi)LSTM, pooling.

    Takes raw documents (tokenized by ``tokenizer``) or the id sequences of an upstream
    :class:`~sknlp.preprocessing.Tokenizer`. Padding never reaches the result: each
    direction reads a document only within its length, pooling is masked, and batches
    hold documents of similar length.

    Parameters
    ----------
    tokenizer : Tokenizer or None, default=None
        Tokenizer for raw text; ``None`` uses ``Tokenizer(num_words=30000, maxlen=400)``.
        Its parameters are tunable, e.g. ``tokenizer__num_words`` in a grid search.
    embedding_dim : int, default=128
        Size of the token embeddings (taken from ``embeddings`` when given).
    hidden_size : int, default=128
        LSTM units per direction.
    n_layers : int, default=1
        Stacked LSTM layers (the name :class:`TransformerClassifier` uses too).
    num_layers : int
        Deprecated spelling of ``n_layers`` (a ``FutureWarning``; removed in 0.3).
    bidirectional : bool, default=True
        Read the documents in both directions.
    dropout : float, default=0.3
        Dropout on embeddings, between layers and before the output layer.
    pooling : {"last", "max", "mean", "attention"}, default="max"
        How the hidden states become one vector: the final states, their masked maximum or
        mean, or additive (Bahdanau) attention, which :meth:`attention_weights` exposes
        (the modes of ``sknlp.neural._pooling``, shared by every encoder).
    embeddings : Word2Vec or None, default=None
        Initialise the embedding layer from word vectors aligned with the tokenizer's
        vocabulary: an unfitted :class:`~sknlp.embeddings.Word2Vec` is trained on the fit
        documents, a fitted one (or one with ``pretrained=`` vectors) is used as is.
    freeze_embeddings : bool, default=False
        Keep the embedding layer fixed during training.
    pretrained : LanguageModel or None, default=None
        Fine-tune from a language model of ``architecture="lstm"`` (ULMFiT, Howard & Ruder
        2018): the classifier takes its tokenizer (reading up to its own tokenizer's
        ``maxlen``, 400 by default), its embeddings and its forward and backward LSTMs as
        the two directions of its first layer. Its sizes must be the language model's. An
        unfitted one is first fitted on every text given to ``fit``, including the
        unlabelled rows, marked ``y == -1`` as in scikit-learn's semi-supervised
        estimators; only the labelled rows train the classifier and its validation.
        ``clone`` (and so every search and cross-validation) unfits a language model
        like any parameter: wrap a fitted one in ``sklearn.frozen.FrozenEstimator`` to
        have each clone start from it rather than train a new one.
        Pooled by their maximum over a document, a language model's states mostly sit
        near their bound of 1, so the default ``pooling="max"`` learns slowly from them;
        ``pooling="attention"`` fine-tunes better; and set ``max_epochs`` to the few
        epochs you can afford, so that the learning rate decays to zero before the
        start overfits (see the user guide's figures).
    """
        + _TRAINING_DOC.format(max_epochs=5, lr="3e-3")
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels.
    tokenizer_ : Tokenizer or None
        The fitted tokenizer (None when fitted on id sequences).
    net_ : skorch.NeuralNetClassifier
        The trained network; ``net_.module_`` is the torch module.
    history_ : skorch.History
        Per-epoch losses, validation accuracy and durations.
    vocab_size_ : int
        Rows of the embedding table.
    n_parameters_ : int
        Trainable parameters.

    Examples
    --------
    >>> from sknlp import LSTMClassifier
    >>> docs = ["great film", "loved it", "awful film", "hated it"] * 10
    >>> y = ["pos", "pos", "neg", "neg"] * 10
    >>> clf = LSTMClassifier(hidden_size=8, embedding_dim=8, max_epochs=20, lr=0.02,
    ...                      random_state=0).fit(docs, y)
    >>> clf.predict(["great, loved it", "awful"]).tolist()
    ['pos', 'neg']
    """
    )

    _parameter_constraints = {
        **_NeuralTextClassifier._parameter_constraints,
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left"), DEPRECATED_OPTION],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions(pooling_options("last"))],
        "embeddings": "no_validation",
        "freeze_embeddings": ["boolean"],
        "pretrained": "no_validation",
    }
    _module_class = LSTMModule

    _renamed_params = {"num_layers": "n_layers"}

    def __init__(self, *, tokenizer=None, embedding_dim=128, hidden_size=128, n_layers=1,
                 bidirectional=True, dropout=0.3, pooling="max", embeddings=None,
                 freeze_embeddings=False, max_epochs=5, batch_size=64, lr=3e-3,
                 optimizer="adamw", weight_decay=0.01, lr_schedule="linear",
                 warmup_fraction=0.05, grad_clip=1.0, early_stopping=False,
                 scoring="loss", validation_fraction=None, patience=2, class_weight=None,
                 bucket=True, random_state=None, device="cpu", precision="float32",
                 n_jobs=None,
                 verbose=0, callbacks=None,
                 warm_start=False, checkpoint_dir=None, pretrained=None,
                 num_layers=DEPRECATED):
        self.tokenizer = tokenizer
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.embeddings = embeddings
        self.freeze_embeddings = freeze_embeddings
        self.pretrained = pretrained
        _store_training_params(self, locals())

    def _check_params(self):
        from ._base import _is_language_model

        if self.pretrained is not None and not _is_language_model(self.pretrained):
            raise TypeError("pretrained should be a LanguageModel (architecture='lstm'), or "
                            "a fitted one in FrozenEstimator, got "
                            f"{type(self.pretrained).__name__}")

    def _module_kwargs(self, vocab_size, n_classes, max_len, embedding_weights):
        dim = embedding_weights.shape[1] if embedding_weights is not None else self.embedding_dim
        return dict(vocab_size=vocab_size, n_classes=n_classes, embedding_dim=dim,
                    hidden_size=self.hidden_size,
                    num_layers=renamed_param(self, "num_layers", "n_layers", warn=False),
                    bidirectional=self.bidirectional, dropout=self.dropout,
                    pooling=self.pooling, embedding_weights=embedding_weights,
                    freeze_embeddings=self.freeze_embeddings)

    def attention_weights(self, X):
        """Tokens of each document and their additive-attention weights (a heatmap's data).

        Only for ``pooling="attention"``.

        Parameters
        ----------
        X : iterable of str, or array of int
            Documents (or id sequences).

        Returns
        -------
        weights : list of (list of str, ndarray)
            Per document, its tokens (after truncation) and one weight per token, summing
            to 1.
        """
        if self.pooling != "attention":
            raise ValueError(
                f"attention weights need pooling='attention'; this model pools with "
                f"{self.pooling!r}"
            )
        return self._attention(X)
