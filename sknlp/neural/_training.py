"""Batching and training callbacks shared by the neural estimators (skorch plumbing)."""

import json
import math
import os
import tempfile

import numpy as np
import torch
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, EpochScoring
from skorch.dataset import Dataset
from skorch.utils import to_tensor

from ..utils._files import atomic_write


def compact(ids):
    """Move the non-padding ids of each row to the left; return ``(ids, lengths)``.

    Rows padded on the left (``padding="pre"``) become right-padded, which packed
    sequences and batch trimming need.
    """
    ids = np.asarray(ids)
    nonzero = ids != 0
    lengths = nonzero.sum(1).astype(np.int64)
    if not (nonzero[:, :-1] < nonzero[:, 1:]).any():  # already right-padded
        return ids.astype(np.int64, copy=False), lengths
    order = np.argsort(~nonzero, axis=1, kind="stable")  # real tokens first, in order
    out = np.take_along_axis(ids, order, axis=1)
    out[np.arange(out.shape[1])[None, :] >= lengths[:, None]] = 0
    return out.astype(np.int64, copy=False), lengths


class BatchIterator:
    """skorch iterator over ``Dataset({"ids", "lengths"}, y)``.

    Each batch is cut to the length of its longest row. With ``bucket=True`` (training)
    rows of similar length are batched together: the data are shuffled, cut into pools of
    ``pool`` batches, each pool sorted by length and cut into batches, and the batches
    shuffled, so short reviews do not pay for long ones while batches stay random.
    Without ``shuffle`` the rows keep their order (prediction, validation).

    Sequence targets (sequence-to-sequence): ``X`` also holds ``targets`` (the decoder's
    input ids, right-padded) and ``target_lengths``, and ``y`` the ids to predict; both are
    cut to the batch's longest target, and buckets sort by source, then target length.
    """

    def __init__(self, dataset, batch_size, shuffle=False, bucket=True, rng=None, pool=50):
        self.X, self.y = dataset.X, dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.bucket = bucket
        self.rng = rng if rng is not None else np.random.RandomState(0)
        self.pool = pool
        self.n = len(self.X["lengths"])

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def _batches(self):
        bs = self.batch_size
        if not self.shuffle:
            return [np.arange(i, min(i + bs, self.n)) for i in range(0, self.n, bs)]
        perm = self.rng.permutation(self.n)
        if not self.bucket:
            return [perm[i : i + bs] for i in range(0, self.n, bs)]
        lengths = self.X["lengths"]
        if "target_lengths" in self.X:  # by source, then target length
            lengths = lengths * (int(self.X["target_lengths"].max()) + 1) \
                + self.X["target_lengths"]
        batches = []
        step = bs * self.pool
        for start in range(0, self.n, step):
            chunk = perm[start : start + step]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches.extend(chunk[i : i + bs] for i in range(0, len(chunk), bs))
        order = self.rng.permutation(len(batches))
        return [batches[i] for i in order]

    def __iter__(self):
        ids, lengths = self.X["ids"], self.X["lengths"]
        for idx in self._batches():
            L = max(int(lengths[idx].max()), 1)
            Xb = {"ids": torch.from_numpy(np.ascontiguousarray(ids[idx, :L])),
                  "lengths": torch.from_numpy(lengths[idx])}
            if "sample_weight" in self.X:
                Xb["sample_weight"] = torch.from_numpy(self.X["sample_weight"][idx])
            yb = torch.from_numpy(np.asarray(self.y)[idx]) if self.y is not None else \
                torch.zeros(len(idx))
            if "target_lengths" in self.X:
                T = max(int(self.X["target_lengths"][idx].max()), 1)
                Xb["targets"] = torch.from_numpy(
                    np.ascontiguousarray(self.X["targets"][idx, :T]))
                Xb["target_lengths"] = torch.from_numpy(self.X["target_lengths"][idx])
                yb = yb[:, :T]
            yield Xb, yb


def _weighted_accuracy(net, dataset, y):
    """Validation accuracy, each document counted by its ``sample_weight`` when it has one."""
    weights = dataset.X.get("sample_weight") if isinstance(dataset.X, dict) else None
    return accuracy_score(y, net.predict(dataset), sample_weight=weights)


PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16}


def _as_float32(out):
    """A forward pass's output with its floating tensors in float32 (tuples kept)."""
    if isinstance(out, torch.Tensor):
        return out.float() if out.is_floating_point() else out
    if isinstance(out, tuple):
        return tuple(_as_float32(o) for o in out)
    return out


class MixedPrecisionNet:
    """skorch net mixin: the training and validation forward passes run under
    ``torch.autocast`` in ``autocast_dtype`` (None: plain float32).

    Matrix products then run in bfloat16 (on CPUs with AMX or AVX-512 BF16, and on GPUs)
    while the weights, the optimizer's state, the loss and the gradients' accumulation stay in
    float32, as in mixed-precision training (Micikevicius et al. 2018); bfloat16 keeps
    float32's exponent range, so no loss scaling is needed. The loss is computed outside the
    autocast region on the output cast back to float32, and the backward pass runs outside it
    too. Predictions go through skorch's ``evaluation_step`` and stay in float32.
    """

    autocast_dtype = None
    _autocasting = False

    def _with_autocast(self, step, *args, **kwargs):
        if self.autocast_dtype is None:
            return step(*args, **kwargs)
        self._autocasting = True
        try:
            return step(*args, **kwargs)
        finally:
            self._autocasting = False

    def train_step_single(self, batch, **fit_params):
        return self._with_autocast(super().train_step_single, batch, **fit_params)

    def validation_step(self, batch, **fit_params):
        return self._with_autocast(super().validation_step, batch, **fit_params)

    def infer(self, x, **fit_params):
        if not self._autocasting:
            return super().infer(x, **fit_params)
        with torch.autocast(torch.device(self.device).type, dtype=self.autocast_dtype):
            out = super().infer(x, **fit_params)
        return _as_float32(out)


class _TextClassifierNet(MixedPrecisionNet, NeuralNetClassifier):
    """skorch's classifier net with per-document weights.

    When the data hold ``sample_weight`` (next to ``ids`` and ``lengths``), each document's
    loss term is multiplied by its weight and the batch loss is their sum over the batch
    size (so weights of 1 give the plain mean), in training and validation alike; the
    validation accuracy is weighted too. The module never sees the weights.
    """

    @property
    def _default_callbacks(self):
        return [(name, EpochScoring(_weighted_accuracy, name="valid_acc",
                                    lower_is_better=False, use_caching=True)
                 if name == "valid_acc" else cb)
                for name, cb in super()._default_callbacks]

    def infer(self, x, **fit_params):
        if isinstance(x, dict) and "sample_weight" in x:
            x = {k: v for k, v in x.items() if k != "sample_weight"}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        weights = X.get("sample_weight") if isinstance(X, dict) else None
        if weights is None:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
            return loss.mean() if loss.dim() else loss  # a net built for weights, fed none
        weights = to_tensor(weights, device=self.device).to(y_pred.dtype)
        y_true = to_tensor(y_true, device=self.device)
        if getattr(self.criterion_, "takes_sample_weight", False):
            return self.criterion_(y_pred, y_true, sample_weight=weights)
        per_doc = self.criterion_(y_pred, y_true)  # built with reduction="none"
        return (weights * per_doc).sum() / len(weights)


def subset(X, idx):
    return {k: v[idx] for k, v in X.items()}


class LengthSortedSplit:
    """skorch ``train_split``: a stratified hold-out whose validation part is sorted by
    length, so that validation batches are short and in a fixed order."""

    def __init__(self, fraction, random_state):
        self.fraction = fraction
        self.random_state = random_state

    def __call__(self, dataset, y=None, groups=None):
        X, y = dataset.X, np.asarray(dataset.y)
        idx = np.arange(len(y))
        stratify = None
        if y.ndim == 1:  # class labels; sequence targets are not stratified
            _, counts = np.unique(y, return_counts=True)
            stratify = y if counts.min() >= 2 else None
        tr, va = train_test_split(idx, test_size=self.fraction, stratify=stratify,
                                  random_state=self.random_state)
        va = va[np.argsort(X["lengths"][va], kind="stable")]
        return Dataset(subset(X, tr), y[tr]), Dataset(subset(X, va), y[va])


class TrainingDiverged(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite."""


class StopOnNonFiniteLoss(Callback):
    """Stop training with a clear error as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if training and loss is not None and not torch.isfinite(loss).all():
            epoch = len(net.history)
            raise TrainingDiverged(
                f"training diverged: the loss became {loss.item()} in epoch {epoch}; lower "
                "lr, keep grad_clip set, or check the inputs for extreme values"
            )


class InterruptGuard(Callback):
    """Keep a usable model when training is interrupted (Ctrl-C in a notebook).

    skorch ends ``fit`` quietly on ``KeyboardInterrupt``. This callback drops the history row
    of the unfinished epoch and puts back the weights of the last finished one; with early
    stopping, skorch's ``EarlyStopping(load_best=True)``, called after it, then restores the
    best epoch.
    """

    def on_train_begin(self, net, **kwargs):
        self.weights_ = None
        self.finished_ = len(net.history)
        self.interrupted_ = False

    def on_epoch_end(self, net, **kwargs):
        self.weights_ = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
        self.finished_ = len(net.history)

    def on_train_end(self, net, **kwargs):
        weights, self.weights_ = self.weights_, None  # a fitted model keeps no copies
        if len(net.history) <= self.finished_:
            return  # not interrupted
        import warnings

        interrupted = len(net.history)
        self.interrupted_ = True
        del net.history[self.finished_ :]
        if weights is not None:
            # Runs before EarlyStopping's on_train_end, which then swaps in the best epoch
            # when that is not the last finished one.
            net.module_.load_state_dict(weights)
            early = any(name == "early_stopping" for name, _ in net.callbacks_)
            kept = ("the weights of its best finished epoch" if early
                    else f"the weights of epoch {self.finished_}")
        else:
            kept = "the partly trained weights of epoch 1"
        warnings.warn(f"training interrupted during epoch {interrupted}; the model keeps "
                      f"{kept}", UserWarning, stacklevel=2)


class ResumableEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` that picks up where a checkpointed training stopped.

    skorch resets the count of epochs without improvement at the start of every ``fit``
    call. When training resumes from a checkpoint, this one replays the recorded history
    instead, and takes the best epoch's weights from the checkpoint (``resume_weights``),
    so the resumed run stops, and restores, exactly where an uninterrupted one would.
    """

    resume_weights = None  # (epoch, state_dict), set by the estimator before resuming

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        for row in net.history:
            if self.monitor not in row:
                continue
            if self._is_score_improved(row[self.monitor]):
                self.misses_ = 0
                self.dynamic_threshold_ = self._calc_new_threshold(row[self.monitor])
                self.best_epoch_ = row["epoch"]
            else:
                self.misses_ += 1
        if self.resume_weights is not None and self.resume_weights[0] == self.best_epoch_:
            self.best_model_weights_ = self.resume_weights[1]
        self.resume_weights = None

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        for row in net.history:  # which epoch the model now holds
            row["restored"] = row["epoch"] == self.best_epoch_
        # The best weights are in the module now: a fitted model keeps no second copy (on
        # a GPU, such a copy would also stop the model from unpickling on a CPU-only machine).
        self.best_model_weights_ = None


class EpochProgressBar(Callback):
    """Reports a skorch training to a :class:`~sknlp.utils._progress.Progress` named after the
    estimator (``name``) rather than its torch module: the bar moves with every training
    batch (running loss), and each epoch ends with the losses and validation accuracy; with
    ``lines=True`` one printed line per epoch instead (Keras's ``verbose=2``)."""

    def __init__(self, total, name=None, lines=False):
        self.total = total
        self.name = name
        self.lines = lines

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from ..utils._progress import Progress

        self.progress_ = Progress(self.total, self.name or type(net.module_).__name__,
                                  lines=self.lines)
        self.n_rows_ = None
        self.loss_sum_, self.loss_rows_ = 0.0, 0

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.n_rows_ = len(dataset_train) if dataset_train is not None else None
        self.loss_sum_, self.loss_rows_ = 0.0, 0

    def on_batch_end(self, net, training=False, **kwargs):
        if not training or not self.n_rows_:
            return
        last = net.history[-1, "batches", -1]  # skorch records both before this call
        rows, loss = last.get("train_batch_size", 0), last.get("train_loss")
        if loss is not None and rows:
            self.loss_sum_ += float(loss) * rows
            self.loss_rows_ += rows
        running = {"loss": self.loss_sum_ / self.loss_rows_} if self.loss_rows_ else {}
        self.progress_.advance(rows / self.n_rows_, **running)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        shown = {k: row[k] for k in ("train_loss", "valid_loss", "valid_acc", "valid_ppl",
                                              "valid_bleu")
                 if k in row}
        self.progress_.end_epoch(row["epoch"], row.get("dur"), **shown)

    def on_train_end(self, net, **kwargs):
        self.progress_.close()


class WarmupDecay:
    """Learning-rate multiplier per batch: linear warm-up, then linear or cosine decay.

    ``offset`` shifts the step count, so that a training resumed from a checkpoint picks the
    schedule up where it stopped.
    """

    def __init__(self, total_steps, warmup_steps, kind):
        self.total_steps = max(total_steps, 1)
        self.warmup_steps = warmup_steps
        self.kind = kind
        self.offset = 0

    def __call__(self, step):
        step = step + self.offset
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        progress = min(1.0, (step - self.warmup_steps) / max(1, self.total_steps -
                                                              self.warmup_steps))
        if self.kind == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return max(0.0, 1.0 - progress)


CHECKPOINT_FORMAT = 3  # 3: with the random generators' state


def _rng_state(rng):
    """A numpy RandomState's state as tensors and numbers (``weights_only``-loadable)."""
    name, keys, pos, has_gauss, gauss = rng.get_state()
    return {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "gauss": float(gauss)}


def _set_rng_state(rng, state):
    rng.set_state(("MT19937", state["keys"].numpy().astype(np.uint32), state["pos"],
                   state["has_gauss"], state["gauss"]))


def check_checkpoint_dir(directory):
    """Create the checkpoint folder and prove it writable before any training is spent."""
    try:
        os.makedirs(directory, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OSError(f"checkpoint_dir={os.fspath(directory)!r} cannot hold checkpoints "
                      f"({exc.strerror or exc})") from None


def _plain(obj):
    """History rows as plain Python (floats, ints, str, lists, dicts): loadable with
    ``torch.load(weights_only=True)``, which runs no code."""
    return json.loads(json.dumps(obj, default=float))


class EpochCheckpoint(Callback):
    """Write the training state to ``directory/checkpoint.pt`` after every epoch.

    The file is written to a temporary name and renamed, so a process killed while saving
    leaves the previous checkpoint intact. It holds the module and optimizer states, the
    number of optimizer steps taken (for the learning-rate schedule), the history, the
    weights of the best epoch by the monitored validation score, and a fingerprint of the
    data and parameters it belongs to.
    """

    def __init__(self, directory, fingerprint, monitor="valid_loss", lower_is_better=True):
        self.directory = directory
        self.fingerprint = fingerprint
        self.monitor = monitor
        self.lower_is_better = lower_is_better

    def initialize(self):
        self.best_ = None  # (epoch, monitored value, state_dict)
        return self

    def better(self, value, than):
        """Whether ``value`` of the monitored score beats ``than``."""
        return value < than if self.lower_is_better else value > than

    @property
    def path(self):
        return os.path.join(self.directory, "checkpoint.pt")

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        key = self.monitor
        if key in row and (self.best_ is None or self.better(row[key], self.best_[1])):
            self.best_ = (len(net.history), float(row[key]),
                          {k: v.detach().cpu().clone() for k, v in
                           net.module_.state_dict().items()})
        self.save(net, complete=False)

    def save(self, net, complete):
        steps = int(sum(row.get("train_batch_count", 0) for row in net.history))
        state = {
            "format": CHECKPOINT_FORMAT,
            "fingerprint": self.fingerprint,
            "complete": bool(complete),
            "steps": steps,
            "history": _plain(list(net.history)),
            "module": {k: v.detach().cpu() for k, v in net.module_.state_dict().items()},
            "optimizer": net.optimizer_.state_dict(),
            "best_epoch": None if self.best_ is None else self.best_[0],
            "best_value": None if self.best_ is None else self.best_[1],
            "best_module": None if self.best_ is None else self.best_[2],
            # what decides the next epoch besides the weights: the shuffling generator
            # and torch's (dropout)
            "shuffle_rng": _rng_state(net.iterator_train__rng),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": (torch.cuda.get_rng_state() if str(net.device).startswith("cuda")
                         else None),
        }
        os.makedirs(self.directory, exist_ok=True)
        atomic_write(self.path, lambda tmp: torch.save(state, tmp))


class FinishCheckpoint(Callback):
    """Last in the callback list: after early stopping has restored the best weights, save
    the final state and mark the checkpoint complete unless training was interrupted."""

    def __init__(self, checkpoint, max_epochs, patience):
        self.checkpoint = checkpoint
        self.max_epochs = max_epochs
        self.patience = patience

    def on_train_end(self, net, **kwargs):
        if dict(net.callbacks_)["interrupt"].interrupted_:
            # The last finished epoch's checkpoint is already on disk; the weights now are
            # that epoch's but the optimizer's are not: writing them would pair the two.
            return
        stopper = dict(net.callbacks_).get("early_stopping")
        stopped = stopper is not None and getattr(stopper, "misses_", 0) >= self.patience
        self.checkpoint.save(net, complete=stopped or len(net.history) >= self.max_epochs)


def load_checkpoint(directory, fingerprint):
    """The checkpoint in ``directory`` if it belongs to this training, else None (with a
    warning when one from other data or parameters is there)."""
    import warnings

    path = os.path.join(directory, "checkpoint.pt")
    if not os.path.isfile(path):
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file means: start over
        warnings.warn(f"ignoring the unreadable checkpoint {path} ({type(exc).__name__}: "
                      f"{exc}); training from scratch", UserWarning, stacklevel=3)
        return None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT \
            or state.get("fingerprint") != fingerprint:
        warnings.warn(f"the checkpoint in {directory} was made with other data or "
                      "parameters; training from scratch and overwriting it", UserWarning,
                      stacklevel=3)
        return None
    return state
