"""The scikit-learn face of the neural text classifiers: a thin layer over skorch."""

import contextlib
import functools
import os
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from ..base import TextInputMixin
from ..preprocessing import Tokenizer
from ..utils._deprecation import RenamedMixin
from ..utils._validation import (
    check_documents,
    check_token_sequences,
    looks_like_token_ids,
    transform_in_chunks,
)
from ._engine import (
    TRAINING_CONSTRAINTS,
    SavedNetMixin,
    build_net,
    check_params,
    continue_training,
    fingerprint,
    open_checkpoint,
    resolve_device,
    seeded,
    store_training_params,
    torch_threads,
    train,
    validation_share,
    word_vectors,
)
from ._training import TrainingDiverged, _TextClassifierNet, check_checkpoint_dir, compact


def _check_labels(y):
    """Labels as scikit-learn's classifiers accept them: 1-D, discrete, no missing values."""
    from sklearn.utils.multiclass import check_classification_targets

    y = column_or_1d(np.asarray(y), warn=True)
    if y.dtype == object:
        bad = [v for v in y.tolist() if v is None or (isinstance(v, float) and not
                                                       np.isfinite(v))]
        if bad:
            raise ValueError(f"y holds missing labels ({bad[0]!r}); drop those rows or give "
                             "them a class")
    check_classification_targets(y)
    return y


def _language_model_in(obj):
    """The LanguageModel ``obj`` is, or wraps in scikit-learn's ``FrozenEstimator`` (which
    keeps a fitted one fitted through ``clone``, so that a search reuses it); else None."""
    from ._language_model import LanguageModel

    if isinstance(obj, FrozenEstimator):
        obj = obj.estimator
    return obj if isinstance(obj, LanguageModel) else None


def _is_language_model(obj):
    return _language_model_in(obj) is not None


def _unlabelled(y):
    """Rows whose label is -1: unlabelled, in scikit-learn's semi-supervised convention."""
    if y.dtype.kind in "iuf":
        return y == -1
    return np.array([not isinstance(v, (str, bytes)) and v == -1 for v in y.tolist()],
                    dtype=bool)


def _in_torch_threads(method):
    """Run ``method`` with the estimator's ``n_jobs`` torch threads (see
    :func:`~sknlp.neural._engine.torch_threads`)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with torch_threads(self.n_jobs):
            return method(self, *args, **kwargs)

    return wrapper


def softmax(logits):
    """Class probabilities from the module's logits (skorch's predict nonlinearity)."""
    return torch.softmax(logits, dim=-1)


# scoring -> (history key that early stopping watches, whether lower is better)
MONITORS = {"loss": ("valid_loss", True), "accuracy": ("valid_acc", False)}

PREDICT_CHUNK = 16384  # documents encoded at once by predict_proba


# Every neural estimator stores its training parameters the same way (``_engine``).
_store_training_params = store_training_params


_TRAINING_DOC = """
    max_epochs : int, default={max_epochs}
        Passes over the training data.
    batch_size : int, default=64
        Documents per batch.
    lr : float, default={lr}
        Peak learning rate.
    optimizer : {{"adamw", "adam", "sgd"}}, default="adamw"
        Optimizer.
    weight_decay : float, default=0.01
        Weight decay (decoupled for ``"adamw"``).
    lr_schedule : {{"linear", "cosine"}} or None, default="linear"
        Per-batch schedule after a warm-up over the first ``warmup_fraction`` of the steps:
        linear or cosine decay to zero, or a constant rate (None).
    warmup_fraction : float, default=0.05
        Share of the training steps spent warming the learning rate up.
    grad_clip : float or None, default=1.0
        Clip the gradient norm to this value.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when the validation
        score (see ``scoring``) has not improved for ``patience`` epochs, and restore the
        weights of the best epoch.
    scoring : {{"loss", "accuracy"}}, default="loss"
        What early stopping watches on the hold-out: the cross-entropy loss (lower is
        better) or the accuracy (higher is better). The loss can start rising, as the model
        grows over-confident on a few documents, while the accuracy still improves; watch the
        accuracy when accuracy is what counts.
    validation_fraction : float or None, default=None
        Share of the training data held out for validation (stratified). ``None``: 0.1 with
        ``early_stopping``, no hold-out otherwise.
    patience : int, default=2
        Epochs without improvement before early stopping.
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss; ``"balanced"`` weighs them inversely to their
        frequency, for skewed data.
    bucket : bool, default=True
        Batch documents of similar length together and trim each batch to its longest
        document, so short documents do not pay for long ones.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout, shuffling and the hold-out; the same seed gives the
        same predictions on CPU.
    device : {{"cpu", "cuda", "auto"}} or str, default="cpu"
        Where to train; ``"auto"`` takes CUDA when available. A model trained on a GPU
        unpickles on a CPU-only machine.
    precision : {{"float32", "bfloat16"}}, default="float32"
        ``"bfloat16"``: mixed-precision training, the matrix products of the training and
        validation passes in bfloat16 under ``torch.autocast``, the weights, optimizer and
        loss in float32 (Micikevicius et al. 2018). Faster on CPUs with AMX or AVX-512 BF16
        and on recent GPUs (whole fits on 2 cores with AMX: an LSTM classifier 1.7x, a
        Transformer classifier 1.05x); slower where the hardware lacks bfloat16 arithmetic,
        and the coarser numbers can cost some quality (where the CPU has no bfloat16
        LSTM kernel, as an AVX2-only one, LSTM layers run in float32, the rest in bfloat16).
        Predictions run in float32 either way.
    n_jobs : int or None, default=None
        CPU threads torch uses while this estimator trains and predicts (-1: all cores, -2:
        all but one); the previous count is restored after each call. None leaves torch's
        setting alone: all cores in a plain session, ``cores // k`` inside
        ``GridSearchCV(n_jobs=k)``'s worker processes. Set it when another process shares
        the machine: two trainings that each take every core run many times slower than one.
    verbose : int, default=0
        1: a progress bar over epochs with loss and validation accuracy; 2: one printed
        line per epoch instead (as Keras does), for logs and notebooks that keep them.
        With early stopping, the epoch whose weights are restored is marked in
        ``history_`` (``"restored": True``) and in :func:`~sknlp.plotting.plot_history`.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks passed to the skorch net.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit`` instead of starting over
        (the tokenizer and classes are kept).
    checkpoint_dir : str, path or None, default=None
        Save the training state (weights, optimizer, schedule position, history, best
        weights) to this folder after every epoch. A later ``fit`` with the same data and
        parameters resumes from the last saved epoch, so a training that was killed loses
        at most the epoch it was in; a finished one is loaded without training. A
        checkpoint made from other data or parameters is ignored (with a warning) and
        overwritten. Delete the folder to start over.
"""


class _NeuralTextClassifier(SavedNetMixin, RenamedMixin, TextInputMixin, ClassifierMixin,
                            BaseEstimator):
    """Shared fit/predict logic; subclasses provide the torch module and its arguments."""

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "tokenizer": "no_validation",
        "scoring": [StrOptions({"loss", "accuracy"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
        "checkpoint_dir": [str, os.PathLike, None],
    }

    _module_class = None
    _renamed_attrs = {"max_len_": "maxlen_"}
    _default_tokenizer = {"num_words": 30000, "maxlen": 400}

    def _persist_state(self):
        """Attributes to save. A fitted language model given as ``pretrained`` is saved as
        its settings, not its weights: they were copied into the network, and prediction
        never reads the language model (``sknlp.save`` it on its own to reuse it)."""
        state = super()._persist_state()
        given = state.get("pretrained")
        lm = _language_model_in(given)
        if lm is not None and hasattr(lm, "net_"):
            settings = clone(lm)
            frozen = isinstance(given, FrozenEstimator)
            state["pretrained"] = FrozenEstimator(settings) if frozen else settings
        return state

    # -- subclass hooks -------------------------------------------------------------------

    def _module_kwargs(self, vocab_size, n_classes, max_len, embedding_weights):
        raise NotImplementedError

    def _check_params(self):
        """Checks that involve several parameters (one-parameter checks are declared in
        ``_parameter_constraints``)."""

    # -- input handling -------------------------------------------------------------------

    def set_params(self, **params):
        """As scikit-learn's, and ``tokenizer__<param>`` also works with the default
        ``tokenizer=None``: it starts from the default tokenizer, so that
        ``set_params(tokenizer__num_words=2000)`` and a grid over it need no tokenizer set
        first."""
        if (params and "tokenizer" not in params and getattr(self, "tokenizer", 0) is None
                and any(k.startswith("tokenizer__") for k in params)):
            params = {"tokenizer": Tokenizer(**self._default_tokenizer), **params}
        return super().set_params(**params)

    def _make_tokenizer(self):
        return clone(self.tokenizer) if self.tokenizer is not None else Tokenizer(
            **self._default_tokenizer)

    def _language_model(self):
        """The fitted LanguageModel this fit starts from, or None."""
        return getattr(self, "_language_model_", None)

    def _encode_fit(self, X):
        """Token ids and lengths for training; fits the tokenizer on raw text (or takes the
        language model's, when fine-tuning from one)."""
        lm = self._language_model()
        if lm is not None:
            import copy

            docs = check_documents(X)
            self.tokenizer_ = copy.deepcopy(lm.tokenizer_)
            # The language model's own width is its longest text; the classifier reads as
            # far as its tokenizer's maxlen (its default's when it has none).
            maxlen = getattr(self.tokenizer, "maxlen", None)
            self.tokenizer_.maxlen_ = (int(maxlen) if isinstance(maxlen, (int, np.integer))
                                       else self._default_tokenizer["maxlen"])
            self.input_ = "text"
            return self.tokenizer_.transform(docs), docs
        if looks_like_token_ids(X):
            ids = check_token_sequences(X)
            self.tokenizer_ = None
            self.input_ = "ids"
            return ids, None
        docs = check_documents(X)
        self.tokenizer_ = self._make_tokenizer()
        self.input_ = "text"
        return self.tokenizer_.fit_transform(docs), docs

    def _encode(self, X):
        if self.input_ == "ids":
            if not looks_like_token_ids(X):
                raise TypeError(
                    "this model was fitted on token id sequences; pass the same kind of "
                    "input (an integer array), not raw text"
                )
            ids = check_token_sequences(X)
        else:
            if looks_like_token_ids(X):
                raise TypeError("this model was fitted on raw text; pass documents, not ids")
            ids = self.tokenizer_.transform(check_documents(X, allow_empty_corpus=True))
        ids, lengths = compact(ids)
        unknown = ids >= self.vocab_size_
        if unknown.any():  # ids never seen in training: treat as out-of-vocabulary
            ids = np.where(unknown, 1 if self.vocab_size_ > 1 else 0, ids)
        if ids.shape[1] > self.maxlen_:
            ids, lengths = ids[:, : self.maxlen_], np.minimum(lengths, self.maxlen_)
        return ids, lengths

    def _tokenizer_vocab_size(self):
        return self.tokenizer_.vocab_size_ if self.tokenizer_ is not None else 0

    def _embedding_weights(self, docs, seed):
        if getattr(self, "embeddings", None) is None:
            return None
        if self.input_ != "text" or self.tokenizer_ is None:
            raise ValueError(
                "embeddings=Word2Vec(...) needs raw text input, so that the estimator's own "
                "tokenizer can align the vectors with its vocabulary"
            )
        return word_vectors(self, docs, seed)

    # -- training -------------------------------------------------------------------------

    def _device(self):
        return resolve_device(self.device)

    def _build_net(self, module_kwargs, y_enc, n_train, seed, criterion=None, checkpoint=None,
                   weighted=False):
        """The skorch classifier net of this estimator (see ``_engine.build_net``)."""
        net_kwargs = {"criterion__reduction": "none"} if weighted and criterion is None else {}
        if self.class_weight is not None and criterion is None:
            weights = compute_class_weight(
                self.class_weight, classes=np.arange(len(self.classes_)), y=y_enc
            ) if self.class_weight == "balanced" else self._class_weight_array()
            net_kwargs["criterion__weight"] = torch.as_tensor(weights, dtype=torch.float32)
        return build_net(
            self, self._module_class, module_kwargs, n_rows=n_train, seed=seed,
            monitor=MONITORS[self.scoring], net_class=_TextClassifierNet,
            criterion=criterion if criterion is not None else torch.nn.CrossEntropyLoss,
            fraction=validation_share(self, soft_targets=criterion is not None),
            checkpoint=checkpoint, name=type(self).__name__, predict_nonlinearity=softmax,
            classes=np.arange(len(self.classes_)), **net_kwargs)

    def _class_weight_array(self):
        unknown = [k for k in self.class_weight if k not in set(self.classes_.tolist())]
        if unknown:
            raise ValueError(f"class_weight names {unknown}, which are not classes of y "
                             f"(the classes are {self.classes_.tolist()})")
        return np.array([self.class_weight.get(c, 1.0) for c in self.classes_.tolist()],
                        dtype=np.float64)

    def fit(self, X, y, sample_weight=None):
        """Train the network on documents (or token id sequences) ``X`` and labels ``y``.

        Parameters
        ----------
        X : iterable of str, or array of shape (n_docs, seq_len) of int
            Raw documents (list, numpy array, pandas Series), tokenized by ``tokenizer``;
            or the id sequences of an upstream :class:`~sknlp.preprocessing.Tokenizer`.
        y : array-like of shape (n_docs,)
            Labels of any type (strings too).
        sample_weight : array-like of shape (n_docs,), default=None
            Weight of each document: its loss term is multiplied by it, in training and in
            the validation loss and accuracy of early stopping (combined with
            ``class_weight`` by multiplication). ``Pipeline`` and ``GridSearchCV`` pass it
            on as ``fit(X, y, <step>__sample_weight=w)`` and ``fit(X, y, sample_weight=w)``.

        Returns
        -------
        self
        """
        check_params(self)
        self._check_params()
        self._warn_renamed()
        if isinstance(X, (str, bytes)):
            check_documents(X)  # raises the TypeError for a bare string
        y = _check_labels(y)
        n_docs = len(X) if hasattr(X, "__len__") else None
        if n_docs is not None and n_docs != len(y):
            raise ValueError(f"X and y have different lengths: {n_docs} documents, "
                             f"{len(y)} labels")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y, dtype=np.float32,
                                                 ensure_non_negative=True)
        continuing = self.warm_start and hasattr(self, "net_")
        if continuing:
            ids, lengths = self._encode(X)
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if len(unknown):
                raise ValueError(f"warm_start: y holds classes unseen in the first fit: "
                                 f"{unknown.tolist()}")
            y_enc = np.searchsorted(self.classes_, y)
            data = {"ids": ids, "lengths": lengths}
            if sample_weight is not None:
                if getattr(self.net_, "criterion__reduction", None) != "none":  # unweighted 1st fit
                    self.net_.set_params(criterion__reduction="none")
                data["sample_weight"] = sample_weight
            with torch_threads(self.n_jobs):
                self.interrupted_ = continue_training(self, self.net_, data, y_enc,
                                                      self._seed_)
            return self

        if _is_language_model(getattr(self, "pretrained", None)):
            return self._fine_tune(X, y, sample_weight)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"y holds a single class ({encoder.classes_[0]!r}): a classifier "
                             "needs at least 2")
        return self._train(X, encoder.classes_, encoder.transform(y).astype(np.int64),
                           sample_weight=sample_weight)

    def _fine_tune(self, X, y, sample_weight):
        """Fit from a LanguageModel: an unfitted one first learns the language from every
        text of ``X``, labelled or not; the classifier then trains on the labelled rows
        (scikit-learn's semi-supervised convention: ``y == -1`` marks an unlabelled row),
        starting from the language model's tokenizer, embeddings and encoder."""
        docs = check_documents(X)
        unlabelled = _unlabelled(y)
        lm = self._fitted_language_model(docs)
        keep = np.flatnonzero(~unlabelled)
        y = y[keep]
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"the labelled rows (y != -1) hold {len(encoder.classes_)} "
                             "class(es): a classifier needs at least 2")
        with self._starting_from(lm):
            return self._train([docs[i] for i in keep], encoder.classes_,
                               encoder.transform(y).astype(np.int64),
                               sample_weight=None if sample_weight is None
                               else sample_weight[keep])

    def _fitted_language_model(self, docs):
        """The fitted LanguageModel of ``pretrained``: a fitted one (or one frozen with
        ``FrozenEstimator``) as it is, an unfitted one cloned and fitted on ``docs``."""
        if getattr(self, "embeddings", None) is not None:
            raise ValueError("give embeddings= or pretrained=, not both: a fine-tuned "
                             "classifier takes its embeddings from the language model")
        lm = _language_model_in(self.pretrained)
        if hasattr(lm, "net_"):
            return lm
        if isinstance(self.pretrained, FrozenEstimator):
            raise NotFittedError("pretrained=FrozenEstimator(lm) keeps a fitted language "
                                 "model as it is, but this one is not fitted: fit it first, "
                                 "or give it unwrapped to have it fitted on the texts of fit")
        return clone(lm).fit(docs)

    @contextlib.contextmanager
    def _starting_from(self, lm):
        """Within the block, ``_train`` starts from ``lm`` (None: from scratch)."""
        self._language_model_ = lm
        try:
            yield
        finally:
            del self._language_model_  # the weights are copied; the model is not kept

    @_in_torch_threads
    def _train(self, X, classes, targets, criterion=None, sample_weight=None):
        """Fit the tokenizer and train a new network.

        ``targets`` are class indices into ``classes``, or, with a custom ``criterion``
        (distillation), any per-document float rows that the criterion understands;
        ``sample_weight`` (validated) weighs each document's loss term.
        """
        if self.checkpoint_dir is not None:  # before any work: a bad folder fails at once
            check_checkpoint_dir(os.fspath(self.checkpoint_dir))
        ids, docs = self._encode_fit(X)
        if len(ids) != len(targets):
            raise ValueError(f"X and y have different lengths: {len(ids)} documents, "
                             f"{len(targets)} labels")
        self.classes_ = np.asarray(classes)
        self._seed_ = int(check_random_state(self.random_state).randint(2**31 - 1))
        ids, lengths = compact(ids)
        self.vocab_size_ = int(max(ids.max() + 1, self._tokenizer_vocab_size(), 2))
        self.maxlen_ = int(ids.shape[1])
        weights = self._embedding_weights(docs, self._seed_)
        kwargs = self._module_kwargs(self.vocab_size_, len(self.classes_), self.maxlen_,
                                     weights)
        lm = self._language_model()
        if lm is not None:
            kwargs["init_state"] = lm.encoder_state(type(self).__name__, kwargs)
            weights = kwargs["init_state"]["embedding.weight"].numpy()  # fingerprinted
        # What rebuilds the module when a saved model is loaded (sknlp.load): the trained
        # weights replace the initial embedding, so it is not kept.
        self._module_kwargs_ = {k: None if k in ("embedding_weights", "init_state") else v
                                for k, v in kwargs.items()}
        checkpoint = state = None
        if self.checkpoint_dir is not None:
            checkpoint, state = open_checkpoint(self, fingerprint(
                self, self._seed_, module_kwargs=kwargs, arrays=(
                    ids, targets, self.classes_.astype(str),
                    None if weights is None else np.asarray(weights, dtype=np.float32),
                    sample_weight)),
                MONITORS[self.scoring])
        data = {"ids": ids, "lengths": lengths}
        if sample_weight is not None:
            data["sample_weight"] = np.asarray(sample_weight, dtype=np.float32)
        with seeded(self._seed_):
            self.net_ = self._build_net(kwargs, targets, len(targets), self._seed_, criterion,
                                        checkpoint, weighted=sample_weight is not None)
            try:
                self.interrupted_ = train(self.net_, data, targets, state)
            except TrainingDiverged:
                self._forget_fit()  # a diverged network is not a fitted model
                raise
        return self

    def _forget_fit(self):
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    # -- prediction -----------------------------------------------------------------------

    @_in_torch_threads
    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : iterable of str, or array of shape (n_docs, seq_len) of int
            Documents, or id sequences (the same kind as in ``fit``).

        Returns
        -------
        proba : ndarray of shape (n_docs, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        check_is_fitted(self)
        if self.input_ == "text" and not looks_like_token_ids(X):
            # Token ids of a million documents would not fit in memory at once: encode and
            # predict a chunk at a time, so memory stays bounded by the chunk.
            return transform_in_chunks(self._predict_chunk,
                                       check_documents(X, allow_empty_corpus=True),
                                       chunk=PREDICT_CHUNK)
        return self._predict_chunk(X)

    def _predict_chunk(self, X):
        ids, lengths = self._encode(X)
        if len(ids) == 0:
            return np.zeros((0, len(self.classes_)))
        order = np.argsort(lengths, kind="stable")  # short batches first, then restore order
        proba = np.empty((len(ids), len(self.classes_)))
        proba[order] = self.net_.predict_proba({"ids": ids[order], "lengths": lengths[order]})
        return proba / proba.sum(1, keepdims=True)

    def predict(self, X):
        """Predicted labels (from ``classes_``).

        Parameters
        ----------
        X : iterable of str, or array of shape (n_docs, seq_len) of int
            Documents, or id sequences.

        Returns
        -------
        y : ndarray of shape (n_docs,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(1)]

    # -- safe persistence (sknlp.save / sknlp.load) ---------------------------------------

    def _saved_module_class(self):
        return self._module_class

    def _rebuild_net(self, module_kwargs):
        return self._build_net(module_kwargs, np.arange(len(self.classes_)), 1, 0)

    def _persist_check(self):
        """After loading: the sizes the model predicts with agree with its network."""
        from .._persist import ModelFileError

        if not hasattr(self, "net_"):
            return
        kwargs = self._module_kwargs_
        problems = []
        if len(self.classes_) != kwargs.get("n_classes"):
            problems.append(f"{len(self.classes_)} classes but a head for "
                            f"{kwargs.get('n_classes')}")
        if "vocab_size" in kwargs and self.vocab_size_ != kwargs["vocab_size"]:
            problems.append(f"vocab_size_={self.vocab_size_} but an embedding of "
                            f"{kwargs['vocab_size']} rows")
        tok = getattr(self, "tokenizer_", None)
        if isinstance(tok, Tokenizer) and tok.vocab_size_ > self.vocab_size_:
            problems.append(f"a tokenizer of {tok.vocab_size_} ids for an embedding of "
                            f"{self.vocab_size_}")
        if not (isinstance(self.maxlen_, int) and 0 < self.maxlen_ <= 10**7):
            problems.append(f"maxlen_={self.maxlen_!r}")
        if problems:
            raise ModelFileError(f"malformed model file: {type(self).__name__} has "
                                 + "; ".join(problems))

    @property
    def max_len_(self):
        """Deprecated name of ``maxlen_`` (removed in 0.3)."""
        warnings.warn("max_len_ is deprecated and will be removed in 0.3; use maxlen_",
                      FutureWarning, stacklevel=2)
        return self.maxlen_

    @property
    def n_parameters_(self):
        """Number of trainable parameters of the network."""
        check_is_fitted(self)
        return int(sum(p.numel() for p in self.net_.module_.parameters() if p.requires_grad))

    @_in_torch_threads
    def _attention(self, X):
        """Per document: the tokens and the weight the model gave each."""
        check_is_fitted(self)
        ids, lengths = self._encode(X)
        module = self.net_.module_
        module.eval()
        device = next(module.parameters()).device
        out = []
        with torch.no_grad():
            for start in range(0, len(ids), self.batch_size):
                b_ids = ids[start : start + self.batch_size]
                b_len = lengths[start : start + self.batch_size]
                L = max(int(b_len.max()), 1)
                _, weights = module(torch.as_tensor(b_ids[:, :L], device=device),
                                    torch.as_tensor(b_len, device=device),
                                    return_attention=True)
                weights = weights.cpu().numpy()
                for row, n, w in zip(b_ids, b_len, weights):
                    w = w[:n].astype(np.float64)
                    total = w.sum()
                    out.append((self._id_tokens(row[:n]), w / total if total > 0 else w))
        return out

    def _id_tokens(self, ids):
        if self.tokenizer_ is not None:
            return self.tokenizer_.index_to_token_[ids].tolist()
        return [str(i) for i in ids.tolist()]

    def attention_weights(self, X):
        """Tokens of each document with the attention the model gave them, for a heatmap.

        Parameters
        ----------
        X : iterable of str, or array of int
            Documents (or id sequences).

        Returns
        -------
        weights : list of (list of str, ndarray)
            Per document, its tokens (after truncation) and one weight per token; the
            weights of a document sum to 1 (0 for an empty document).
        """
        return self._attention(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True  # also takes token id sequences
        tags.non_deterministic = self.random_state is None
        return tags
