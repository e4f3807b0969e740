"""Distilling the shipped pretrained MiniLM (all-MiniLM-L6-v2, 22.7 M parameters), fine-tuned
on an IMDB slice, into a small BiLSTM: accuracy, parameters and inference docs/s of teacher
and student (target: student >= 10x faster than the teacher)."""

import time

import numpy as np
import torch
from _common import DATA_HOME, header
from sklearn.frozen import FrozenEstimator

from sknlp.datasets import load_imdb
from sknlp.neural import DistilledClassifier, LSTMClassifier, PretrainedClassifier, minilm_path
from sknlp.preprocessing import Tokenizer

N_TRAIN, N_TEST, N_TRANSFER = 2000, 2000, 8000


def balanced(bunch, n, seed):
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(bunch.target == c), n // 2, replace=False)
                          for c in (0, 1)])
    rng.shuffle(idx)
    return [bunch.data[i] for i in idx], bunch.target[idx]


def student():
    return LSTMClassifier(tokenizer=Tokenizer(num_words=15000, maxlen=256, truncating="pre"),
                          embedding_dim=48, hidden_size=64, pooling="max", dropout=0.3,
                          max_epochs=5, batch_size=64, lr=3e-3, random_state=0, verbose=1)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    header("Distilling MiniLM into a BiLSTM",
           f"IMDB slice: {N_TRAIN:,} balanced train reviews (teacher fine-tuning and labels), "
           f"{N_TRANSFER:,} unsup reviews as transfer set, {N_TEST:,} balanced test reviews")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    X_tr, y_tr = balanced(load_imdb(subset="train", data_home=DATA_HOME), N_TRAIN, 0)
    X_te, y_te = balanced(load_imdb(subset="test", data_home=DATA_HOME), N_TEST, 1)
    unsup = load_imdb(subset="unsup", data_home=DATA_HOME).data
    rng = np.random.default_rng(2)
    X_un = [unsup[i] for i in rng.choice(len(unsup), N_TRANSFER, replace=False)]

    teacher, t = timed(lambda: PretrainedClassifier(
        model=minilm_path(), maxlen=128, max_epochs=3, batch_size=16, lr=5e-5,
        random_state=0, device=device, verbose=1).fit(X_tr, y_tr))
    acc_t, tp_t = timed(lambda: teacher.score(X_te, y_te))
    print(f"teacher MiniLM fine-tuned ({device}): acc {acc_t:.4f}, {teacher.n_parameters_:,} "
          f"parameters, fit {t:.0f} s, {N_TEST / tp_t:,.1f} docs/s", flush=True)

    alone, t = timed(lambda: student().fit(X_tr, y_tr))
    acc_a, tp_a = timed(lambda: alone.score(X_te, y_te))
    print(f"student alone: acc {acc_a:.4f}, {alone.n_parameters_:,} parameters, fit {t:.0f} s, "
          f"{N_TEST / tp_a:,.0f} docs/s", flush=True)

    X_all = list(X_tr) + X_un
    y_all = np.concatenate([y_tr, np.full(len(X_un), -1)])
    dist, t = timed(lambda: DistilledClassifier(
        teacher=FrozenEstimator(teacher), student=student(), temperature=2.0,
        alpha=0.5).fit(X_all, y_all))
    acc_d, tp_d = timed(lambda: dist.score(X_te, y_te))
    print(f"distilled student: acc {acc_d:.4f}, fit {t:.0f} s (teacher labelling included), "
          f"{N_TEST / tp_d:,.0f} docs/s, agreement {dist.agreement_:.4f}, compression "
          f"{dist.compression_ratio_:.1f}x")
    print(f"student speed-up at inference: {tp_t / tp_d:.1f}x the teacher (target >= 10x); "
          f"accuracy gap to the teacher {100 * (acc_t - acc_d):+.2f} points; gain over the "
          f"student alone {100 * (acc_d - acc_a):+.2f} points")


if __name__ == "__main__":
    main()
