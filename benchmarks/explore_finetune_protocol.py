"""Exploration (not a benchmark): how a classifier should fine-tune from a saved
``LanguageModel`` on many labels (issue 16, targets 1 and 2), chosen on training reviews only.

    python benchmarks/explore_finetune_protocol.py LM.sknlp [--fit 10000] [--arms ...]

The ``TransformerClassifier`` of bench_language_model.py ``--finetune`` pools a ``[CLS]``
token (its default) that pretraining never saw: the masked model learnt its tokens' states,
not a summary. The arms, each fitted on ``--fit`` training reviews (balanced, seed 0) and
scored on 2,500 others (never the test set); the classifier is the language model's own
(``LSTMClassifier`` for a biLM, whose poolings are ``max``, ``mean``, ``attention``,
``last``):

- ``cls``, ``mean``, ``attention``: the pooling, with bench_language_model.py's fine-tuning
  protocol (at most 6 epochs of a linearly decaying learning rate, early stopping on the loss
  of a 10 % hold-out) ended after 2 epochs, as its 15-minute budget ends it on 22,500
  reviews;
- ``<pooling>-2ep``: the same with ``max_epochs=2``, so the learning rate reaches zero when
  the budget ends (the from-scratch recipe of BENCHMARKS 1b);
- ``<arm>-vectors``: any arm above from the language model's Word2Vec vectors alone, the
  control that says what the language model adds.
"""

import argparse
import time

from _common import DATA_HOME, balanced_split, header
from bench_language_model import classifier, from_vectors, has_vectors
from skorch.callbacks import Callback

import sknlp
from sknlp.datasets import load_imdb


class StopAfter(Callback):
    """Ends a training after ``n`` epochs as the benchmark's time limit does (Ctrl-C: the
    best finished epoch is kept), whatever ``max_epochs`` the schedule decays over."""

    def __init__(self, n):
        self.n = n

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.n:
            raise KeyboardInterrupt


def build(lm, arm):
    vectors = arm.endswith("-vectors")
    arm = arm.removesuffix("-vectors")
    pooling, _, epochs = arm.partition("-")
    params = dict(pooling=pooling, early_stopping=True, patience=2, validation_fraction=0.1)
    if epochs:
        params.update(max_epochs=int(epochs.removesuffix("ep")))
    else:
        params.update(max_epochs=6, callbacks=[StopAfter(2)])
    if vectors:
        if not has_vectors(lm):
            raise SystemExit("a -vectors arm needs a language model started from Word2Vec")
        return from_vectors(lm, **params)
    return classifier(lm, True, **params)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--fit", type=int, default=10000)
    parser.add_argument("--arms", default="cls,mean,attention")
    args = parser.parse_args()
    lm = sknlp.load(args.model)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    fit_idx, val_idx = balanced_split(train.target, args.fit, 2500, shuffle=True)
    X, y = [train.data[i] for i in fit_idx], train.target[fit_idx]
    Xv, yv = [train.data[i] for i in val_idx], train.target[val_idx]
    header(f"Fine-tuning from a LanguageModel ({lm.architecture}; exploration)",
           f"IMDB training reviews: {len(X):,} to fit, {len(Xv):,} others to score; the test "
           f"reviews are not read; language model {args.model}")
    for arm in args.arms.split(","):
        clf = build(lm, arm)
        t = time.perf_counter()
        clf.fit(X, y)
        print(f"{arm:24s} held-out accuracy {clf.score(Xv, yv):.2%} "
              f"({len(clf.history_)} epochs, {time.perf_counter() - t:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
