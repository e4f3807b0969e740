"""Shared helpers for the benchmark scripts: data location, machine description, timing."""

import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: IMDB archive location: $SKNLP_DATA, else the shared data folder beside the project.
DATA_HOME = os.environ.get("SKNLP_DATA") or str(ROOT.parent / "shared" / "data")


def machine():
    """One line naming the machine and the library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numpy
    import sklearn

    return (f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, scikit-learn {sklearn.__version__}")


def header(title, dataset):
    print(f"# {title}")
    print(f"dataset: {dataset}")
    print(f"machine: {machine()}")
    print(flush=True)


def median_time(fn, repeats=5):
    """Median wall time of ``fn()`` over ``repeats`` calls (and the last result)."""
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def peak_memory(fn):
    """Peak traced memory in MiB while running ``fn()`` (numpy buffers included)."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def time_limit(seconds):
    """A skorch callback that ends a training after the last epoch that finishes within
    ``seconds`` of its start (as Ctrl-C would: the best finished epoch is kept)."""
    from skorch.callbacks import Callback

    class TimeLimit(Callback):
        def on_train_begin(self, net, **kwargs):
            self.start_ = time.perf_counter()

        def on_epoch_end(self, net, **kwargs):
            if time.perf_counter() - self.start_ + net.history[-1, "dur"] > seconds:
                raise KeyboardInterrupt

    return TimeLimit()


def balanced_split(target, n_fit, n_score, seed=0, shuffle=False):
    """Indices of ``n_fit`` reviews to fit and ``n_score`` others to score, half of each
    class in both (binary ``target``), drawn with ``seed``; ``shuffle`` mixes the classes
    of the fitting set, whose indices otherwise come one class after the other."""
    import numpy as np

    rng = np.random.default_rng(seed)
    order = {c: rng.permutation(np.flatnonzero(target == c)) for c in (0, 1)}
    fit = np.concatenate([order[c][: n_fit // 2] for c in (0, 1)])
    score = np.concatenate([order[c][n_fit // 2 : n_fit // 2 + n_score // 2] for c in (0, 1)])
    return (rng.permutation(fit) if shuffle else fit), score
