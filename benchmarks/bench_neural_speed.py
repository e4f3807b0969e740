"""Training and inference speed of the neural estimators against plain PyTorch loops.

1. Overhead: one epoch through the sknlp estimator against a plain loop (forward, loss,
   backward, clipping, AdamW step) over the same module and the same bucketed batches
   (target <= 1.10x).
2. Length bucketing against batches padded to maxlen (target >= 1.5x faster per epoch).
3. Inference docs/s: estimator ``predict_proba`` against a plain loop over padded batches.
Everything is measured in this one run, on the same IMDB training slice.

Usage: ``python bench_neural_speed.py [maxlen]``; maxlen 256 by default (the width of the
plain-loop figures of the issue); 400 is the estimators' default tokenizer width and 384 the
width the IMDB Transformer of ``bench_neural_imdb.py`` trains at.
"""

import sys
import time

import numpy as np
import torch
from _common import DATA_HOME, header

from sknlp.datasets import load_imdb
from sknlp.neural import LSTMClassifier, TransformerClassifier
from sknlp.neural._modules import LSTMModule, TransformerModule
from sknlp.neural._training import BatchIterator, compact
from sknlp.preprocessing import Tokenizer


class PaddedIterator(BatchIterator):
    """Batches padded to the full width (no trimming): the baseline bucketing is timed
    against."""

    def __iter__(self):
        ids, lengths = self.X["ids"], self.X["lengths"]
        for idx in self._batches():
            Xb = {"ids": torch.from_numpy(ids[idx]), "lengths": torch.from_numpy(lengths[idx])}
            yb = torch.from_numpy(np.asarray(self.y)[idx]) if self.y is not None else \
                torch.zeros(len(idx))
            yield Xb, yb

N_TRAIN, N_TEST, BATCH = 4000, 4000, 64
MAXLEN = int(sys.argv[1]) if len(sys.argv) > 1 else 256


class _DS:
    def __init__(self, ids, lengths, y):
        self.X, self.y = {"ids": ids, "lengths": lengths}, y


def plain_epoch(module, batches):
    opt = torch.optim.AdamW(module.parameters(), lr=1e-3, weight_decay=0.01, fused=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    module.train()
    t = time.perf_counter()
    for Xb, yb in batches:
        opt.zero_grad()
        loss = loss_fn(module(Xb["ids"], Xb["lengths"]), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        opt.step()
    return time.perf_counter() - t


def plain_inference(module, ids, lengths):
    module.eval()
    t = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(ids), BATCH):
            torch.softmax(module(torch.from_numpy(ids[i : i + BATCH]),
                                 torch.from_numpy(lengths[i : i + BATCH])), -1)
    return time.perf_counter() - t


def padded(cls):
    class Padded(cls):  # the same estimator, batches padded to maxlen (no bucketing)
        def _build_net(self, *args, **kwargs):
            return super()._build_net(*args, **kwargs).set_params(
                iterator_train=PaddedIterator)
    return Padded


def main():
    header("Neural speed: sknlp estimators vs plain PyTorch loops",
           f"IMDB train slice of {N_TRAIN:,} reviews (epoch timing), {N_TEST:,} test reviews "
           f"(inference); maxlen {MAXLEN}, batch {BATCH}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    rng = np.random.default_rng(0)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    test = load_imdb(subset="test", data_home=DATA_HOME)
    idx = rng.permutation(len(train.data))[:N_TRAIN]
    X = [train.data[i] for i in idx]
    y = train.target[idx]
    X_test = [test.data[i] for i in rng.permutation(len(test.data))[:N_TEST]]
    tok = Tokenizer(num_words=20000, maxlen=MAXLEN).fit(X)
    ids, lengths = compact(tok.transform(X))
    print(f"tokens per review after truncation at {MAXLEN}: mean {lengths.mean():.0f}, "
          f"median {np.median(lengths):.0f}; {np.mean(lengths == MAXLEN):.0%} of the reviews "
          "fill the width", flush=True)
    test_ids, test_lengths = compact(tok.transform(X_test))

    models = {
        "LSTM (Embedding 128 + LSTM 128, last state)": (
            LSTMClassifier, dict(embedding_dim=128, hidden_size=128, bidirectional=False,
                                 pooling="last", dropout=0.0),
            lambda: LSTMModule(vocab_size=20000, n_classes=2, embedding_dim=128,
                               hidden_size=128, bidirectional=False, pooling="last",
                               dropout=0.0)),
        "Transformer (d_model 128, 2 layers, 4 heads)": (
            TransformerClassifier, dict(d_model=128, n_heads=4, n_layers=2,
                                        dim_feedforward=256, dropout=0.0),
            lambda: TransformerModule(vocab_size=20000, n_classes=2, max_len=MAXLEN,
                                      d_model=128, n_heads=4, n_layers=2,
                                      dim_feedforward=256, dropout=0.0)),
    }
    common = dict(tokenizer=Tokenizer(num_words=20000, maxlen=MAXLEN), max_epochs=1,
                  batch_size=BATCH, lr=1e-3, lr_schedule=None, grad_clip=1.0,
                  random_state=0)
    for name, (cls, params, make_module) in models.items():
        print(f"\n## {name}", flush=True)
        torch.manual_seed(0)
        batches = list(BatchIterator(_DS(ids, lengths, y), BATCH, shuffle=True, bucket=True,
                                     rng=np.random.RandomState(0)))
        t_plain, t_fit, t_epoch, t_pad = [], [], [], []
        for _ in range(2):  # alternate, keep the fastest of each
            t_plain.append(plain_epoch(make_module(), batches))
            t = time.perf_counter()
            clf = cls(**common, **params).fit(X, y)
            t_fit.append(time.perf_counter() - t)
            t_epoch.append(clf.history_[-1, "dur"])  # skorch's timing of the epoch itself
            t_pad.append(padded(cls)(**common, **params).fit(X, y).history_[-1, "dur"])
        t_plain, t_fit, t_epoch, t_pad = min(t_plain), min(t_fit), min(t_epoch), min(t_pad)
        print(f"plain PyTorch epoch (same bucketed batches): {t_plain:7.1f} s")
        print(f"sknlp estimator epoch                      : {t_epoch:7.1f} s")
        print(f"sknlp estimator fit (tokenizing included)  : {t_fit:7.1f} s")
        print(f"overhead ratio: {t_epoch / t_plain:.3f}x per epoch (target <= 1.10x); "
              f"{t_fit / t_plain:.3f}x for the whole fit", flush=True)
        print(f"estimator epoch, batches padded to maxlen  : {t_pad:7.1f} s")
        print(f"bucketing speed-up: {t_pad / t_epoch:.2f}x  (target >= 1.5x)", flush=True)

        clf = cls(**common, **params).fit(X, y)
        t_inf_plain = plain_inference(clf.net_.module_, test_ids, test_lengths)
        t = time.perf_counter()
        clf.predict_proba(X_test)
        t_inf = time.perf_counter() - t
        print(f"inference, plain loop over padded batches: {N_TEST / t_inf_plain:8,.0f} docs/s")
        print(f"inference, estimator predict_proba (text): {N_TEST / t_inf:8,.0f} docs/s "
              f"({t_inf_plain / t_inf:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
