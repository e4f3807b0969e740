"""Two neural trainings sharing the machine: torch's default threads against ``n_jobs=1``.

The same small LSTM fit (2,000 IMDB reviews, 2 epochs) timed alone with torch's default
thread count (the baseline), then as two processes started together, first with the
default threads and then with ``n_jobs=1`` each. Reported: the wall time of the pair
against the baseline, so 2.0x means the pair took as long as running the two one after the
other.

    python benchmarks/bench_threads.py
"""

import subprocess
import sys
import time

from _common import DATA_HOME, header

CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from sknlp.datasets import load_imdb
from sknlp.neural import LSTMClassifier
from sknlp.preprocessing import Tokenizer
X, y = load_imdb(subset="train", data_home={home!r}, return_X_y=True)
X, y = list(X[:1000]) + list(X[-1000:]), list(y[:1000]) + list(y[-1000:])
n_jobs = None if sys.argv[1] == "none" else int(sys.argv[1])
LSTMClassifier(tokenizer=Tokenizer(num_words=20000, maxlen=256), embedding_dim=64,
               hidden_size=64, max_epochs=2, random_state=0, n_jobs=n_jobs).fit(X, y)
"""


def run(n_jobs, copies):
    from _common import ROOT

    code = CHILD.format(root=str(ROOT), home=str(DATA_HOME))
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code, n_jobs]) for _ in range(copies)]
    for p in procs:
        if p.wait():
            raise SystemExit(f"a training failed with status {p.returncode}")
    return time.perf_counter() - t


def main():
    import torch

    header("Torch threads when two trainings share the machine",
           "IMDB: 2,000 training reviews, LSTM 64/64, 2 epochs")
    print(f"torch's default thread count here: {torch.get_num_threads()}", flush=True)
    alone = min(run("none", 1) for _ in range(2))
    print(f"one training alone, default threads: {alone:.1f} s (baseline)", flush=True)
    for n_jobs in ("none", "1"):
        pair = run(n_jobs, 2)
        label = "default threads" if n_jobs == "none" else "n_jobs=1"
        print(f"two at once, {label}: {pair:.1f} s = {pair / alone:.2f}x the baseline",
              flush=True)


if __name__ == "__main__":
    main()
