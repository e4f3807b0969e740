"""Exploration (not a benchmark): which Seq2Seq settings to try against the 35 BLEU target
of ``bench_seq2seq.py``, chosen on a development split of the training pairs, never on the
test set.

    python benchmarks/explore_seq2seq.py --epochs 14 --threads 1 dropout=0.3 n_layers=3

The development pairs are those of 5 % of the distinct English training sentences (seed 0;
a Chinese sentence that also translates a kept English sentence leaves the development side,
as the loader's split does). Each setting trains ``--epochs`` planned epochs on the rest with
the benchmark's early stopping (5 % held out, patience 3), then decodes the development
sources greedily and with beam 5 at each length penalty of ``--beam``. Settings are
``name=value`` pairs given to ``Seq2Seq``, over ``architecture="transformer"``.
"""

import argparse
import ast
import re
import time

import numpy as np
import torch
from _common import DATA_HOME, header
from skorch.callbacks import Callback

import sknlp
from sknlp.datasets import load_sentence_pairs
from sknlp.neural import Seq2Seq
from sknlp.preprocessing import Tokenizer


def words_and_marks(doc):
    """Lowercased words, and each punctuation mark as a token of its own ("?" tells a
    question, which Chinese marks with 吗 or 呢)."""
    return re.findall(r"\w+|[^\w\s]", doc.lower())


def dev_split(src, tgt, fraction=0.05, seed=0):
    """Development pairs drawn at random from the training side. Not ``split_pairs``: it
    chooses by the same hash as the loader's test split, and every training group's hash
    lies above that cut, so it cannot hold a small share of the training pairs out."""
    sources = sorted(set(src))
    rng = np.random.default_rng(seed)
    dev_src = set(rng.choice(sources, int(len(sources) * fraction), replace=False).tolist())
    dev = [i for i, s in enumerate(src) if s in dev_src]
    kept_targets = {t for s, t in zip(src, tgt) if s not in dev_src}
    dev = [i for i in dev if tgt[i] not in kept_targets]
    fit = [i for i, s in enumerate(src) if s not in dev_src]
    return fit, dev


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("settings", nargs="*")
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--beam", default="",
                        help="beam search's length penalties to try, comma-separated")
    parser.add_argument("--save", default=None, help="keep the trained model here")
    parser.add_argument("--marks", action="store_true",
                        help="source tokens keep punctuation marks (words_and_marks)")
    parser.add_argument("--average", default="",
                        help="also score the mean of the last N epochs' weights, for each "
                             "comma-separated N")
    parser.add_argument("--min-count", type=int, default=1,
                        help="source words seen fewer times become <unk> in training too, "
                             "so the model learns what an unknown word is")
    parser.add_argument("--members", action="store_true",
                        help="with ensemble_size=N, also score each member alone")
    parser.add_argument("--track", action="store_true",
                        help="print the development BLEU (greedy) after every epoch, to see "
                             "which epoch early stopping should keep (analysis only: nothing "
                             "is chosen by it)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = {k: ast.literal_eval(v) for k, v in (s.split("=", 1) for s in args.settings)}
    train = load_sentence_pairs(subset="train", data_home=DATA_HOME)
    fit, dev = dev_split(train.data, train.target)
    source = ", ".join([*(["source marks"] if args.marks else []),
                        *([f"source min_count={args.min_count}"] if args.min_count > 1 else [])])
    header(f"Seq2Seq exploration: {settings or 'defaults'}{', ' + source if source else ''}, "
           f"{args.epochs} planned epochs",
           f"Tatoeba cmn.txt training pairs: {len(fit):,} to fit, {len(dev):,} development "
           "pairs (never the test set)")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    average = [int(n) for n in args.average.split(",") if n]
    Xd, yd = [train.data[i] for i in dev], [train.target[i] for i in dev]
    track = Track(Xd, yd)
    keep = LastWeights(max(average, default=0))
    model = Seq2Seq(**{"architecture": "transformer", "random_state": 0,
                       "validation_fraction": 0.05, "early_stopping": True, "patience": 3,
                       "max_epochs": args.epochs, **settings,
                       **({"source_tokenizer": Tokenizer(
                           analyzer=words_and_marks if args.marks else "word",
                           num_words=30000, maxlen=None, min_count=args.min_count)}
                          if args.marks or args.min_count > 1 else {}),
                       "callbacks": [*([("last_weights", keep)] if average else []),
                                     *([("track", track)] if args.track else [])]
                                    or None})
    track.model = model
    t0 = time.perf_counter()
    model.fit([train.data[i] for i in fit], [train.target[i] for i in fit])
    fit_s = time.perf_counter() - t0
    best = (int(np.argmax(model.history_[:, "valid_bleu"])) if model.scoring == "bleu"
            else int(np.argmin(model.history_[:, "valid_loss"])))
    print(f"trained {fit_s / 60:.1f} min, {len(model.history_)} epochs, best {best + 1} "
          f"(hold-out loss {model.history_[best, 'valid_loss']:.3f}, train loss "
          f"{model.history_[best, 'train_loss']:.3f})")
    if args.save:
        sknlp.save(model, args.save)
    decode(model, Xd, yd, args.beam, "")
    if args.members:
        ensemble = model.net_.module_
        for i, member in enumerate(ensemble.members):
            model.net_.module_ = member  # decode with one member's network alone
            model.set_params(decoding="greedy")
            decode(model, Xd, yd, args.beam, f"member {i + 1} alone, ")
        model.net_.module_ = ensemble
    for n in average:
        # The weights early stopping restored, and the mean of the N epochs up to them
        # (Vaswani et al. 2017 averaged the last checkpoints of their base models).
        last = [w for e, w in keep.weights if e <= best + 1][-n:]
        module = model.net_.module_
        module.load_state_dict({k: sum(w[k] for w in last) / len(last) for k in last[0]})
        model.set_params(decoding="greedy")
        decode(model, Xd, yd, args.beam, f"mean of epochs {best + 2 - len(last)}-{best + 1}, ")


def decode(model, Xd, yd, beam, prefix):
    report(prefix + "greedy", model.evaluate(Xd, yd))
    for alpha in [float(a) for a in beam.split(",") if a]:
        model.set_params(decoding="beam", beam_size=5, length_penalty=alpha)
        report(f"{prefix}beam 5, length penalty {alpha:g}", model.evaluate(Xd, yd))


class Track(Callback):
    """Prints each epoch's hold-out loss beside the development BLEU of greedy decoding."""

    def __init__(self, X, y):
        self.X, self.y, self.model = X, y, None

    def on_epoch_end(self, net, **kwargs):
        model = self.model
        if model is None:  # the estimator whose net this is (set by explore's main)
            return
        scores = model.evaluate(self.X, self.y)
        bleu = net.history[-1].get("valid_bleu")
        print(f"epoch {len(net.history)}: hold-out loss {net.history[-1, 'valid_loss']:.3f}"
              f"{f', hold-out BLEU {bleu:.2f}' if bleu is not None else ''}, "
              f"development greedy BLEU {scores['bleu']:.2f}", flush=True)


class LastWeights(Callback):
    """Keeps a copy of the module's weights after each of the last ``n`` epochs."""

    def __init__(self, n):
        self.n = n
        self.weights = []

    def on_epoch_end(self, net, **kwargs):
        state = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
        self.weights = [*self.weights, (len(net.history), state)][-(self.n + 3):]


def report(name, scores):
    print(f"development {name}: BLEU {scores['bleu']:.2f}, chrF {scores['chrf']:.2f}, "
          f"length ratio {scores['length_ratio']:.3f}", flush=True)


if __name__ == "__main__":
    main()
