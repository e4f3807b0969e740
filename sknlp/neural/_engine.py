"""The training engine: from a torch module and batches to a trained skorch net.

Everything a neural estimator needs between ``fit`` and a trained module, whatever the task
(classification today; language models and sequence-to-sequence models build on the same
functions): the skorch net and its callbacks (non-finite loss, Ctrl-C, gradient clipping,
learning-rate schedule, early stopping, progress, checkpoints), seeding, the checkpoint
fingerprint, resuming, ``warm_start`` continuation, and the check of saved weights against
their module. The estimators keep only what is theirs: parameters, input encoding, targets,
persistence of their own attributes.

Training settings are read from the estimator (``est.max_epochs``, ``est.lr``, ...), the way
skorch's ``NeuralNet`` holds them, so every estimator documents and validates them once
(``_TRAINING_DOC`` and ``_parameter_constraints`` in ``_base.py``).
"""

import contextlib
import hashlib
import os
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints

from ._training import (
    PRECISIONS,
    BatchIterator,
    EpochCheckpoint,
    EpochProgressBar,
    FinishCheckpoint,
    InterruptGuard,
    LengthSortedSplit,
    ResumableEarlyStopping,
    StopOnNonFiniteLoss,
    WarmupDecay,
    _set_rng_state,
    check_checkpoint_dir,
    load_checkpoint,
)

OPTIMIZERS = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam, "sgd": torch.optim.SGD}
# Optimizers run as one fused kernel over all the weights on these devices: the same update,
# several times faster than a loop over the tensors (AdamW: 16 ms a step for 5 M weights on
# 2 CPU cores against 3 ms fused; a tenth of a Seq2Seq Transformer's training step).
_FUSED = {"adamw", "adam"}
_FUSED_DEVICES = {"cpu", "cuda"}
# What the engine reads from every neural estimator, and the values it accepts (each
# estimator adds its own parameters to these in its ``_parameter_constraints``).
TRAINING_CONSTRAINTS = {
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "optimizer": [StrOptions(set(OPTIMIZERS))],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "lr_schedule": [StrOptions({"linear", "cosine"}), None],
    "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
    "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "patience": [Interval(Integral, 1, None, closed="left")],
    "bucket": ["boolean"],
    "random_state": ["random_state"],
    "device": [str],
    "precision": [StrOptions(set(PRECISIONS))],
    "n_jobs": [Integral, None],
    "verbose": ["verbose"],
    "callbacks": [list, None],
}
# Parameters of some of the neural estimators, stored with the others by
# :func:`store_training_params`.
_MORE_TRAINING_PARAMS = ("checkpoint_dir", "scoring", "class_weight", "warm_start")


def store_training_params(est, args):
    """Store the training parameters that ``est.__init__`` takes, untouched, from that
    ``__init__``'s ``locals()``: those of :data:`TRAINING_CONSTRAINTS`, and the checkpoint
    folder, scoring, class weights and warm start of the estimators that have them."""
    for name in (*TRAINING_CONSTRAINTS, *_MORE_TRAINING_PARAMS):
        if name in args:
            setattr(est, name, args[name])


# settings that do not change what a training computes (left out of the fingerprint)
_NOT_FINGERPRINTED = {"verbose", "callbacks", "device", "checkpoint_dir", "warm_start",
                      "n_jobs"}


def check_params(est):
    """At ``fit``: every parameter against ``est._parameter_constraints``, and ``n_jobs``."""
    validate_parameter_constraints(est._parameter_constraints, est.get_params(deep=False),
                                   caller_name=type(est).__name__)
    if est.n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; give a positive count, -1 for all "
                         "cores, or None")


def _no_output(*args, **kwargs):
    """Where early stopping's messages go: nowhere (a named function, so nets pickle)."""


def resolve_device(device):
    """``"auto"`` -> CUDA when available, else the device as given."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@contextlib.contextmanager
def seeded(seed):
    """Seed torch (CPU and CUDA) for the block, restoring the caller's RNG state after."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def torch_threads(n_jobs):
    """Run the block with ``n_jobs`` torch threads (scikit-learn's convention: -1 all cores,
    -2 all but one; None leaves torch's setting alone), restoring the caller's count after.

    torch's thread count is one setting for the whole process; two trainings that each take
    every core of a machine they share run many times slower than one after the other.
    Inside scikit-learn's parallel workers (``GridSearchCV(n_jobs=k)``, the default loky
    processes) torch already starts with ``cpu_count // k`` threads, so None is right there.
    """
    if n_jobs is None:
        yield
        return
    from joblib import effective_n_jobs

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, effective_n_jobs(n_jobs)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def validation_share(est, soft_targets=False):
    """The share of the training rows held out: ``validation_fraction``, 0.1 with early
    stopping, none for soft targets (no stratified hold-out, no accuracy)."""
    fraction = est.validation_fraction
    if fraction is None and est.early_stopping:
        fraction = 0.1
    return None if soft_targets else fraction


def _optimizer_steps(est, n_rows, fraction):
    n_fit = n_rows - int(np.ceil(n_rows * fraction)) if fraction else n_rows
    return est.max_epochs * int(np.ceil(n_fit / est.batch_size))


def build_net(est, module_class, module_kwargs, *, n_rows, seed, monitor, net_class,
              criterion, fraction, checkpoint=None, name=None, scores=(), **net_kwargs):
    """A skorch net over ``module_class(**module_kwargs)`` with sknlp's callbacks.

    Parameters
    ----------
    est : estimator
        Holds the training settings (``max_epochs``, ``lr``, ``optimizer``, ...).
    n_rows : int
        Training rows (before the hold-out), for the schedule's length.
    seed : int
        Seeds the shuffling and the hold-out.
    monitor : (str, bool)
        History key early stopping watches, and whether lower is better.
    net_class : skorch NeuralNet class
    criterion : torch loss class or instance
    fraction : float or None
        Hold-out share (:func:`validation_share`).
    checkpoint : EpochCheckpoint or None
    name : str, default=None
        What the progress bar is called (the estimator's class name).
    scores : sequence of (str, Callback), default=()
        Callbacks that add figures to each epoch's record, after skorch's own losses and
        before early stopping, checkpoints and the progress bar read them.
    **net_kwargs
        Further skorch arguments (``classes``, ``criterion__weight``, ...).
    """
    from skorch.callbacks import GradientNormClipping, LRScheduler

    callbacks = [("stop_on_nan", StopOnNonFiniteLoss()), ("interrupt", InterruptGuard()),
                 *scores]
    if checkpoint is not None:
        callbacks.append(("checkpoint", checkpoint))
    if est.grad_clip is not None:
        callbacks.append(("grad_clip", GradientNormClipping(est.grad_clip)))
    if est.lr_schedule is not None:
        steps = _optimizer_steps(est, n_rows, fraction)
        schedule = WarmupDecay(steps, int(est.warmup_fraction * steps), est.lr_schedule)
        callbacks.append(("lr_schedule", LRScheduler(
            policy=torch.optim.lr_scheduler.LambdaLR, lr_lambda=schedule,
            step_every="batch", last_epoch=-1)))  # the step count is schedule.offset
    if est.early_stopping and fraction:
        key, lower = monitor
        callbacks.append(("early_stopping", ResumableEarlyStopping(
            monitor=key, lower_is_better=lower, patience=est.patience, load_best=True,
            sink=_no_output)))
    if est.verbose:
        callbacks.append(("progress", EpochProgressBar(est.max_epochs, name=name,
                                                       lines=est.verbose >= 2)))
    callbacks.extend(est.callbacks or [])
    if checkpoint is not None:
        callbacks.append(("finish_checkpoint", FinishCheckpoint(
            checkpoint, est.max_epochs, est.patience)))
    device = resolve_device(est.device)
    if est.optimizer in _FUSED and torch.device(device).type in _FUSED_DEVICES:
        net_kwargs.setdefault("optimizer__fused", True)
    net = net_class(
        module=module_class,
        **{f"module__{k}": v for k, v in module_kwargs.items()},
        criterion=criterion,
        optimizer=OPTIMIZERS[est.optimizer],
        optimizer__weight_decay=est.weight_decay,
        lr=est.lr,
        max_epochs=est.max_epochs,
        batch_size=est.batch_size,
        iterator_train=BatchIterator,
        iterator_train__shuffle=True,
        iterator_train__bucket=est.bucket,
        iterator_train__rng=np.random.RandomState(seed),
        iterator_valid=BatchIterator,
        train_split=LengthSortedSplit(fraction, seed) if fraction else None,
        callbacks=callbacks,
        device=device,
        verbose=0,
        **net_kwargs,
    )
    net.autocast_dtype = PRECISIONS[est.precision]
    return net


def word_vectors(est, docs, seed, *, width=None, width_name=None, stacklevel=4):
    """The initial embedding table of ``est.embeddings`` (a Word2Vec) aligned with the
    fitted ``est.tokenizer_``, or None when no embeddings were given. An unfitted Word2Vec
    is first trained on ``docs``; the fitted one is kept as ``est.embeddings_``. ``width``:
    the embedding width the network needs (``width_name`` names the parameter that sets
    it), a clear error when the vectors have another. ``stacklevel`` points a warning at
    the user's ``fit`` call."""
    import warnings

    from sklearn.base import clone

    from ..preprocessing._text import ngram_range_of

    w2v = getattr(est, "embeddings", None)
    if w2v is None:
        return None
    if not hasattr(w2v, "embedding_matrix"):
        raise TypeError(f"embeddings should be a sknlp Word2Vec or FastText (fitted or not), "
                        f"got {type(w2v).__name__}")
    if not hasattr(w2v, "wv_"):  # unfitted: train on the fit documents
        w2v = clone(w2v).fit(docs)
    if width is not None and w2v.vector_size_ != width:
        raise ValueError(f"the Word2Vec's vectors have {w2v.vector_size_} dimensions and "
                         f"{width_name}={width}: give both the same size")
    est.embeddings_ = w2v
    matrix, coverage = w2v.embedding_matrix(est.tokenizer_, random_state=seed,
                                            return_coverage=True)
    tok_range, w2v_range = ngram_range_of(est.tokenizer_), ngram_range_of(w2v)
    if tok_range != w2v_range:
        warnings.warn(
            f"the tokenizer has ngram_range={tok_range} but the Word2Vec has "
            f"ngram_range={w2v_range}: only {coverage:.0%} of the vocabulary gets a "
            "trained vector, the rest starts random; give both the same ngram_range",
            UserWarning, stacklevel=stacklevel)
    return matrix


def fingerprint(est, seed, *, module_kwargs, arrays):
    """Identifies a training run: the estimator's class and every parameter that shapes the
    result, the module's arguments, the seed, and ``arrays`` (data, targets, initial vectors)
    by content: two fitted Word2Vec with equal parameters can hold different vectors."""
    params = {k: v for k, v in est.get_params(deep=False).items()
              if k not in _NOT_FINGERPRINTED
              and k not in getattr(est, "_decoding_params", ())}
    h = hashlib.sha256()
    h.update(type(est).__name__.encode())
    h.update(repr(sorted(params.items(), key=lambda kv: kv[0])).encode())
    h.update(repr({k: v for k, v in module_kwargs.items()
                   if k not in ("embedding_weights", "init_state")}).encode())
    h.update(str(seed).encode())
    for a in arrays:
        if a is not None:
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def open_checkpoint(est, fingerprint_, monitor):
    """The checkpoint callback for ``est.checkpoint_dir`` (set) and the saved state it
    resumes from (None when there is none for this training)."""
    directory = os.fspath(est.checkpoint_dir)
    check_checkpoint_dir(directory)
    return (EpochCheckpoint(directory, fingerprint_, *monitor),
            load_checkpoint(directory, fingerprint_))


def train(net, X, y, state=None):
    """Fit ``net`` from scratch, or resume it from a checkpoint ``state``."""
    if state is None:
        net.fit(X, y)
    else:
        resume(net, state, X, y)
    return finish(net)


def fit_net(est, data, y, *, arrays, monitor=("valid_loss", True), module_kwargs=None):
    """Train the network of an estimator that writes or predicts tokens (Seq2Seq,
    LanguageModel) on ``data`` (the batches' dict) and ``y``: open the checkpoint of
    ``est.checkpoint_dir`` (the training identified by ``arrays``), build the net with
    ``est._build(module_kwargs, n_rows, seed, fraction, checkpoint)``, train or resume it,
    and forget every fitted attribute if the loss diverges. ``module_kwargs`` (default
    ``est._module_kwargs_``, what a saved model is rebuilt from) may add the initial
    weights, which only the first build needs."""
    from ._training import TrainingDiverged

    checkpoint = state = None
    if est.checkpoint_dir is not None:
        checkpoint, state = open_checkpoint(est, fingerprint(
            est, est._seed_, module_kwargs=est._module_kwargs_, arrays=arrays), monitor)
    with seeded(est._seed_):
        est.net_ = est._build(module_kwargs or est._module_kwargs_,
                              n_rows=len(data["lengths"]), seed=est._seed_,
                              fraction=validation_share(est), checkpoint=checkpoint)
        try:
            est.interrupted_ = train(est.net_, data, y, state)
        except TrainingDiverged:
            for name in [k for k in vars(est) if k.endswith("_") and not k.startswith("__")]:
                delattr(est, name)  # a diverged network is not a fitted model
            raise


def resume(net, state, X, y):
    """Continue a checkpointed training from its last saved epoch, exactly: weights,
    optimizer, schedule position, early stopping's count and the random generators."""
    from skorch.history import History

    net.initialize()
    net.module_.load_state_dict(state["module"])
    net.optimizer_.load_state_dict(state["optimizer"])
    net.history = History(state["history"])
    callbacks = dict(net.callbacks_)
    checkpoint = callbacks["checkpoint"]
    if state["best_module"] is not None:
        checkpoint.best_ = (state["best_epoch"], state["best_value"], state["best_module"])
    done = len(net.history)
    if state["complete"] or done >= net.max_epochs:
        return
    schedule = getattr(callbacks.get("lr_schedule"), "lr_lambda", None)
    if schedule is not None:
        schedule.offset = state["steps"]  # the optimizer steps already taken
    stopper = callbacks.get("early_stopping")
    if stopper is not None and checkpoint.best_ is not None:
        stopper.resume_weights = (checkpoint.best_[0], checkpoint.best_[2])
    # The generators as they were after the last saved epoch: the resumed epochs shuffle
    # and drop out exactly as the uninterrupted ones would have.
    _set_rng_state(net.iterator_train__rng, state["shuffle_rng"])
    torch.set_rng_state(state["torch_rng"])
    if state.get("cuda_rng") is not None and str(net.device).startswith("cuda"):
        torch.cuda.set_rng_state(state["cuda_rng"])
    net.partial_fit(X, y, epochs=net.max_epochs - done)


def continue_training(est, net, X, y, seed):
    """``warm_start``: train a fitted net ``est.max_epochs`` more epochs, with a learning-rate
    schedule of its own (warm-up and decay over these epochs)."""
    callbacks = dict(net.callbacks_)
    schedule = getattr(callbacks.get("lr_schedule"), "lr_lambda", None)
    n_rows = len(X["lengths"])
    if schedule is not None:
        split = net.train_split
        steps = _optimizer_steps(est, n_rows, split.fraction if split else None)
        schedule.total_steps, schedule.offset = max(steps, 1), 0
        schedule.warmup_steps = int(est.warmup_fraction * steps)
    checkpoint = callbacks.get("checkpoint")
    if checkpoint is not None:
        # The checkpoint now holds a model trained further than its first fit: a fresh
        # fit with that fit's data and parameters must not take it for its own.
        h = hashlib.sha256(checkpoint.fingerprint.encode())
        h.update(f"warm_start after {len(net.history)} epochs".encode())
        for a in (*X.values(), y):
            h.update(np.ascontiguousarray(a).tobytes())
        checkpoint.fingerprint = h.hexdigest()
    with seeded(seed + len(net.history)):
        net.partial_fit(X, y, epochs=est.max_epochs)
    return finish(net)


def finish(net):
    """After any training call: release what a fitted model must not carry, and say whether
    Ctrl-C stopped the training."""
    callbacks = dict(net.callbacks_)
    if "lr_schedule" in callbacks:
        # skorch builds a new scheduler at every fit; the finished one refers to the
        # optimizer, whose state would be pickled a second time, outside skorch's own
        # handling of GPU tensors (a GPU-trained model would not unpickle on a CPU).
        callbacks["lr_schedule"].lr_scheduler_ = None
    return bool(getattr(callbacks.get("interrupt"), "interrupted_", False))


def net_state(net, module_kwargs):
    """What ``sknlp.save`` keeps of a trained net: the module's arguments, its weights and
    the history (no optimizer, no callbacks)."""
    from ._training import _plain

    return {"module_kwargs": module_kwargs, "state_dict": dict(net.module_.state_dict()),
            "history": _plain(list(net.history))}


def restore_net(est, module_class, saved, build):
    """The net of a loaded model from :func:`net_state`'s record: checked against the
    module, made by ``build(module_kwargs)`` (on the CPU when a GPU-trained model meets a
    machine without one), then given the saved weights and history."""
    from skorch.history import History

    from .._persist import ModelFileError

    if not (isinstance(saved, dict) and isinstance(saved.get("module_kwargs"), dict)
            and isinstance(saved.get("state_dict"), dict)
            and isinstance(saved.get("history"), list)):
        raise ModelFileError("malformed model file: the network of "
                             f"{type(est).__name__} lacks its arguments or weights")
    check_weights(type(est).__name__, module_class, saved["module_kwargs"],
                  saved["state_dict"])
    device = est.device
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        est.device = "cpu"
    try:
        net = build(saved["module_kwargs"])
        net.initialize()
    finally:
        est.device = device
    net.module_.load_state_dict(saved["state_dict"])
    net.history = History(saved["history"])
    return net


# Module arguments that count layers or ensemble members (see :func:`check_weights`).
_MODULE_COUNTS = ("n_layers", "num_layers", "size")


def check_weights(owner, module_class, module_kwargs, state_dict):
    """Weights read from a file must be the ones the saved arguments build, key for key and
    shape for shape; checked on torch's meta device, so absurd sizes allocate nothing."""
    from .._persist import ModelFileError

    if not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ModelFileError("malformed model file: network weights that are not tensors")
    if module_kwargs.get("pretrained") is not None:
        return  # built from a local pretrained folder; load_state_dict checks the rest
    # Each layer or ensemble member holds at least one tensor: a count above the number of
    # tensors is refused before millions of (meta) modules are built.
    counts = {k: v for k, v in module_kwargs.items()
              if k in _MODULE_COUNTS and isinstance(v, int) and v > len(state_dict)}
    if counts:
        raise ModelFileError(f"malformed model file: the saved arguments of {owner} ask for "
                             f"more layers or members than its {len(state_dict)} weight "
                             f"tensors hold ({counts}); its weights do not match its network")
    try:
        with torch.device("meta"):
            module = module_class(**module_kwargs)
    except (TypeError, ValueError, AssertionError, RuntimeError) as exc:
        raise ModelFileError(f"malformed model file: the saved arguments of {owner} build "
                             f"no network ({exc})") from None
    try:  # strict: every key, every shape (older key names are renamed by the modules)
        module.load_state_dict(state_dict, strict=True, assign=True)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())[:300]
        raise ModelFileError(f"malformed model file: the weights of {owner} do not match its "
                             f"network ({detail})") from None


class SavedNetMixin:
    """``sknlp.save`` / ``sknlp.load`` and ``history_`` for an estimator whose trained
    network is ``net_``: the network is saved as its arguments, weights and history, never
    as a pickled skorch object, and rebuilt by ``self._rebuild_net(module_kwargs)`` around
    ``self._saved_module_class()`` when loaded."""

    def _persist_state(self):
        """Attributes to save, the network replaced by what rebuilds it."""
        import warnings

        state = dict(vars(self))
        if self.callbacks:
            # Training-time hooks of any class: a file that runs no code cannot rebuild them.
            # They do not take part in prediction, so the model is saved without them.
            names = ", ".join(type(c[1] if isinstance(c, tuple) else c).__name__
                              for c in self.callbacks)
            warnings.warn(f"{type(self).__name__}: the custom callbacks ({names}) are not "
                          "saved; the loaded model predicts the same, and takes callbacks= "
                          "again before training on", UserWarning, stacklevel=4)
            state["callbacks"] = None
        net = state.pop("net_", None)
        if net is not None:
            state["__net__"] = net_state(net, self._module_kwargs_)
        return state

    def _persist_restore(self, state):
        net = state.pop("__net__", None)  # (sknlp.load has renamed older names already)
        self.__dict__.update(state)
        if net is not None:
            self.net_ = restore_net(self, self._saved_module_class(), net, self._rebuild_net)

    @property
    def history_(self):
        """Per-epoch training record (losses, validation figures, durations)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "net_")
        return self.net_.history
