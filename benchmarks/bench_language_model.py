"""LanguageModel on IMDB: training speed, pretraining, and fine-tuning with many or few labels.

Modes (each prints its figures, the dataset and the machine):

- ``--speed``: training tokens/s of an LSTM language model through the estimator against a
  plain PyTorch loop over the same module and batches (same run, alternating), and the
  adaptive softmax against the full softmax over the same 30,000-word vocabulary.
- ``--pretrain MINUTES``: an LSTM language model (or ``--architecture transformer``, masked)
  trained on the text of the training and unlabelled reviews (no labels) for at most that
  long; test-set perplexity, a few generated samples; saved to ``--save``.
- ``--finetune MINUTES``: the classifier fine-tuned from the saved model on the 25,000
  labelled reviews; test accuracy on the 25,000 test reviews.
- ``--few-labels N``: N labelled training reviews (balanced, seed 0) plus all the text: the
  fine-tuned classifier, the same classifier from scratch, and the n-gram pipeline on the
  same N reviews, side by side.
- ``--features``: ``LanguageModel.transform`` features + logistic regression.

    python benchmarks/bench_language_model.py --speed
    python benchmarks/bench_language_model.py --pretrain 45 --save lm.sknlp
    python benchmarks/bench_language_model.py --finetune 15 --load lm.sknlp
"""

import argparse
import time

import numpy as np
import torch
from _common import DATA_HOME, header, time_limit

import sknlp
from sknlp.datasets import load_imdb
from sknlp.neural import LanguageModel, LSTMClassifier, TransformerClassifier
from sknlp.neural._language_model import LanguageModelModule
from sknlp.neural._training import BatchIterator


def texts():
    train = load_imdb(subset="train", data_home=DATA_HOME)
    unsup = load_imdb(subset="unsup", data_home=DATA_HOME)
    test = load_imdb(subset="test", data_home=DATA_HOME)
    return train, unsup, test


def speed(train, n_docs=3000, repeats=2):
    X = list(train.data[:n_docs])
    print(f"\n## Training speed ({n_docs:,} reviews, LSTM 128, seq_len 128, "
          f"fastest of {repeats} alternating runs)")
    rows = {}
    for softmax in ("adaptive", "full"):
        t_est, t_plain = [], []
        for _ in range(repeats):
            lm = LanguageModel(max_epochs=1, softmax=softmax, lr_schedule=None,
                               random_state=0)
            t = time.perf_counter()
            lm.fit(X)
            t_est.append(lm.history_[-1, "dur"])
            ids, lengths, _ = lm._windows(X, min_tokens=2)
            n_tokens = int(lengths.sum())

            class DS:
                pass

            DS.X, DS.y = {"ids": ids, "lengths": lengths}, np.zeros(len(ids), np.float32)
            batches = list(BatchIterator(DS, lm.batch_size, shuffle=True,
                                         rng=np.random.RandomState(0)))
            torch.manual_seed(0)
            module = LanguageModelModule(**lm._module_kwargs_)
            opt = torch.optim.AdamW(module.parameters(), lr=lm.lr, weight_decay=0.01)
            module.train()
            t = time.perf_counter()
            for Xb, _ in batches:
                opt.zero_grad()
                module(**Xb).backward()
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                opt.step()
            t_plain.append(time.perf_counter() - t)
        est, plain = min(t_est), min(t_plain)
        rows[softmax] = n_tokens / est
        print(f"{softmax:>8} softmax: estimator {n_tokens / est:8,.0f} tokens/s, plain loop "
              f"{n_tokens / plain:8,.0f} tokens/s, overhead {est / plain:.3f}x "
              f"(target <= 1.10x)", flush=True)
    print(f"adaptive softmax speed-up over the full softmax: "
          f"{rows['adaptive'] / rows['full']:.2f}x (vocabulary "
          f"{lm.vocab_size_:,} words)", flush=True)


def pretrain(train, unsup, test, minutes, architecture, save):
    X = list(train.data) + list(unsup.data)
    lm = LanguageModel(architecture=architecture, max_epochs=50, validation_fraction=0.02,
                       early_stopping=True, patience=2, random_state=0, verbose=2,
                       callbacks=[time_limit(minutes * 60)])
    t = time.perf_counter()
    lm.fit(X)
    fit_s = time.perf_counter() - t
    lm.set_params(callbacks=None)
    print(f"\n## Pretraining ({architecture}, {lm.objective_}): {len(lm.history_)} epochs in "
          f"{fit_s / 60:.1f} min, {lm.vocab_size_:,} words")
    print(f"test perplexity: {lm.perplexity(test.data[:2000]):.1f} (2,000 test reviews)")
    if lm.objective_ != "masked":
        for s in lm.generate(["this movie is", "the acting was", "i would recommend"],
                             max_new_tokens=15, temperature=0.8, random_state=0):
            print("  ", s)
    else:
        for text, answers in zip(["this movie is [MASK] .", "the acting was [MASK] ."],
                                 lm.fill_mask(["this movie is [MASK] .",
                                               "the acting was [MASK] ."])):
            print("  ", text, answers[0])
    if save:
        sknlp.save(lm, save)
        print(f"saved to {save}")
    return lm


def finetune(lm, train, test, minutes, n_labels=None):
    cls = LSTMClassifier if lm.architecture == "lstm" else TransformerClassifier
    sizes = (dict(embedding_dim=lm.embedding_dim, hidden_size=lm.hidden_size)
             if lm.architecture == "lstm" else
             dict(d_model=lm.d_model, n_heads=lm.n_heads, n_layers=lm._n_layers(),
                  dim_feedforward=lm.dim_feedforward))
    X, y = list(train.data), train.target
    if n_labels:
        rng = np.random.default_rng(0)
        idx = np.concatenate([rng.permutation(np.flatnonzero(y == c))[: n_labels // 2]
                              for c in (0, 1)])
        X, y = [X[i] for i in idx], y[idx]
    clf = cls(**sizes, pretrained=lm, max_epochs=10, early_stopping=True, patience=2,
              scoring="accuracy", random_state=0, verbose=2,
              callbacks=[time_limit(minutes * 60)])
    t = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - t
    acc = clf.score(test.data, test.target)
    print(f"fine-tuned {cls.__name__} on {len(X):,} labels: test accuracy {acc:.2%} "
          f"({fit_s / 60:.1f} min)", flush=True)
    return acc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--pretrain", type=float, default=None)
    parser.add_argument("--architecture", default="lstm")
    parser.add_argument("--finetune", type=float, default=None)
    parser.add_argument("--few-labels", type=int, default=None)
    parser.add_argument("--save", default=None)
    parser.add_argument("--load", default=None)
    args = parser.parse_args()
    header("LanguageModel on IMDB", "IMDB (aclImdb v1): language models on the train and "
           "unsup reviews' text (75,000, no labels); accuracy on the 25,000 test reviews")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    train, unsup, test = texts()
    if args.speed:
        speed(train)
    lm = sknlp.load(args.load) if args.load else None
    if args.pretrain:
        lm = pretrain(train, unsup, test, args.pretrain, args.architecture, args.save)
    if args.finetune and lm is not None:
        finetune(lm, train, test, args.finetune, args.few_labels)


if __name__ == "__main__":
    main()
