"""The one progress display of sknlp's training loops (neural networks and gensim models).

A :class:`Progress` is a tqdm bar counted in epochs that also moves within an epoch
(``advance`` takes a fraction of one), so its ETA is right from the first batches, with the
latest figures beside it; or, with ``lines=True``, one printed line per epoch, as Keras's
``verbose=2`` does. The training loops only report to it, so every estimator shows the same.
"""

__all__ = ["Progress"]


class Progress:
    """Progress of ``total`` epochs of the estimator called ``name``.

    Parameters
    ----------
    total : int
        Number of epochs planned.
    name : str
        Shown on the bar or at the start of each line.
    lines : bool, default=False
        One line per epoch instead of a bar.
    """

    def __init__(self, total, name, *, lines=False):
        self.total = total
        self.name = name
        self.lines = lines
        self._bar = None
        self._done = 0.0
        if not lines:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=name, unit="epoch",
                             bar_format="{l_bar}{bar}| {n:.3g}/{total} [{elapsed}<{remaining}"
                                        "{postfix}]")

    def advance(self, fraction, **figures):
        """Move the bar by ``fraction`` of an epoch, showing ``figures`` (a running loss)."""
        if self._bar is None:
            return
        self._done += fraction
        if figures:
            self._bar.set_postfix(_shown(figures), refresh=False)
        self._bar.update(fraction)

    def end_epoch(self, epoch, seconds=None, **figures):
        """Epoch ``epoch`` (counted from 1) is over; ``figures`` are its scores."""
        if self._bar is None:
            scores = "  ".join(f"{k} {v}" for k, v in _shown(figures).items())
            took = "" if seconds is None else f"  {seconds:.1f} s"
            print(f"{self.name} {epoch}/{self.total}  {scores}{took}".rstrip(), flush=True)
            return
        if figures:
            self._bar.set_postfix(_shown(figures), refresh=False)
        # land exactly on the epoch, whatever the fractions added up to
        self._bar.update(epoch - self._done)
        self._done = float(epoch)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_bar"] = None  # a live progress bar does not pickle
        return state


def _shown(figures):
    return {k: f"{v:.4f}" if isinstance(v, float) else v for k, v in figures.items()}
