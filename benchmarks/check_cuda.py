"""The CUDA path of the neural classifiers, where a GPU is at hand (never run in CI).

Checks, on real IMDB reviews, what the trust promises say about GPUs:

1. a model trained with ``device="cuda"`` is saved with ``sknlp.save`` and with pickle, then
   loaded in a fresh process that sees no GPU (``CUDA_VISIBLE_DEVICES=""``): the same
   probabilities as on the GPU, to float tolerance;
2. a CUDA training interrupted by Ctrl-C and resumed from its checkpoint ends with the
   history of an uninterrupted one (the same seed);
3. training time on the GPU against the CPU for the same model and data.

    python benchmarks/check_cuda.py [REVIEWS.json]

REVIEWS.json holds ``{"X": [...], "y": [...], "X_test": [...], "y_test": [...]}``; without
it, IMDB is read from the data home.
"""

import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from _common import DATA_HOME, header
from skorch.callbacks import Callback

import sknlp
from sknlp.neural import LSTMClassifier
from sknlp.preprocessing import Tokenizer

LOAD_ON_CPU = """
import os, pickle, sys, json
import numpy as np, torch, sknlp
assert not torch.cuda.is_available()
X = json.load(open(sys.argv[3]))
a = sknlp.load(sys.argv[1]).predict_proba(X)
b = pickle.load(open(sys.argv[2], "rb")).predict_proba(X)
np.save(sys.argv[4], np.stack([a, b]))
"""


class CtrlC(Callback):
    def __init__(self, at):
        self.at = at

    def on_batch_end(self, net, training=None, **kwargs):
        if training and len(net.history) == self.at:
            raise KeyboardInterrupt


def data(path):
    if path:
        d = json.load(open(path))
        return d["X"], np.array(d["y"]), d["X_test"], np.array(d["y_test"])
    from sknlp.datasets import load_imdb

    tr, te = (load_imdb(subset=s, data_home=DATA_HOME) for s in ("train", "test"))
    rng = np.random.default_rng(0)
    i, j = rng.choice(len(tr.data), 600, replace=False), rng.choice(len(te.data), 400,
                                                                     replace=False)
    return ([tr.data[k] for k in i], tr.target[i], [te.data[k] for k in j], te.target[j])


def main():
    import torch

    X, y, X_te, y_te = data(sys.argv[1] if len(sys.argv) > 1 else None)
    header("CUDA path of the neural classifiers",
           f"IMDB slice: {len(X)} train / {len(X_te)} test reviews")
    print(f"cuda: {torch.cuda.is_available()} "
          f"({torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-'})")
    params = dict(embedding_dim=64, hidden_size=64, batch_size=32, random_state=0,
                  max_epochs=4, early_stopping=True, scoring="accuracy", patience=4,
                  tokenizer=Tokenizer(num_words=5000, maxlen=200))
    times = {}
    for device in ("cpu", "cuda"):
        t = time.perf_counter()
        clf = LSTMClassifier(**params, device=device).fit(X, y)
        times[device] = time.perf_counter() - t
    print(f"fit time: cpu {times['cpu']:.1f} s, cuda {times['cuda']:.1f} s "
          f"(cpu/cuda {times['cpu'] / times['cuda']:.2f}x)")
    proba = clf.predict_proba(X_te)
    print(f"cuda model accuracy: {np.mean(clf.classes_[proba.argmax(1)] == y_te):.4f}")

    with tempfile.TemporaryDirectory() as tmp:
        model, pick, texts, out = (os.path.join(tmp, n) for n in
                                   ("m.sknlp", "m.pkl", "x.json", "p.npy"))
        sknlp.save(clf, model)
        with open(pick, "wb") as f:
            pickle.dump(clf, f)
        json.dump(X_te, open(texts, "w"))
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
        subprocess.run([sys.executable, "-c", LOAD_ON_CPU, model, pick, texts, out],
                       env=env, check=True)
        on_cpu = np.load(out)
        for name, p in zip(("sknlp.load", "pickle"), on_cpu):
            print(f"GPU-trained model loaded on a CPU-only process ({name}): max |diff| "
                  f"{np.abs(p - proba).max():.2e}")

        whole = LSTMClassifier(**params, device="cuda").fit(X, y)
        ckpt = os.path.join(tmp, "ckpt")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            LSTMClassifier(**params, device="cuda", checkpoint_dir=ckpt,
                           callbacks=[CtrlC(3)]).fit(X, y)
        resumed = LSTMClassifier(**params, device="cuda", checkpoint_dir=ckpt).fit(X, y)
        a, b = whole.history_[:, "valid_acc"], resumed.history_[:, "valid_acc"]
        print(f"CUDA: Ctrl-C in epoch 3, resumed: valid_acc {np.round(b, 4).tolist()} vs "
              f"uninterrupted {np.round(a, 4).tolist()}; max |proba diff| "
              f"{np.abs(resumed.predict_proba(X_te) - whole.predict_proba(X_te)).max():.2e}")


if __name__ == "__main__":
    main()
