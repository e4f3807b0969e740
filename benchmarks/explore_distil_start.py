"""Exploration (not a benchmark): why a student distilled from the n-gram pipeline does worse
when it starts from a saved LSTM LanguageModel than from the language model's Word2Vec
vectors alone (BENCHMARKS, language models (k)), and whether a slower learning rate for the
started student closes the gap.

    python benchmarks/explore_distil_start.py LM.sknlp [--arms control:3e-3,lm:3e-3,lm:1e-3]
    python benchmarks/explore_distil_start.py LM.sknlp --arms lm:3e-3:mean,control:3e-3:mean
    python benchmarks/explore_distil_start.py LM.sknlp --saturation

``--saturation`` looks at the students before any training instead: the max- and
mean-pooled states of their LSTM (from the language model, or random as in the control) on
3,000 training reviews, how many pooled values sit near the tanh's bound of 1, and how well
a logistic regression reads the sentiment off them (2,000 reviews to fit, 1,000 to score).

Never reads the test set: 5,000 of the labelled training reviews (stratified, seed 0) are
held out and score every arm; the teacher (``NGram(1-3, nb)`` + LR, as in
bench_distill.py) fits on the other 20,000, and each student distils for one epoch on those
20,000 plus the 50,000 unlabelled reviews, as in the benchmark.
"""

import argparse
import time

import numpy as np
import torch
from _common import DATA_HOME, header
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknlp
from sknlp.datasets import load_imdb
from sknlp.embeddings import Word2Vec
from sknlp.neural import DistilledClassifier, LSTMClassifier
from sknlp.neural._modules import LSTMModule
from sknlp.preprocessing import NGram


def saturation(lm, train):
    """Pooled LSTM states of an untrained student, started from ``lm`` or at random."""
    order = np.random.default_rng(1).permutation(len(train.data))[:3000]
    seqs = [s[:400] for s in lm.tokenizer_.texts_to_sequences([train.data[i] for i in order])]
    y = train.target[order]
    sizes = dict(vocab_size=lm.net_.module_.embedding.weight.shape[0], n_classes=2,
                 embedding_dim=lm.embedding_dim, hidden_size=lm.hidden_size, num_layers=1,
                 bidirectional=True, dropout=0.0, pooling="max")
    state = lm.encoder_state("LSTMClassifier", sizes)
    starts = {"language model": state,
              "random (control)": {"embedding.weight": state["embedding.weight"]}}
    print("| LSTM start | pooling | mean abs value | values above 0.9 | spread across "
          "reviews | sentiment read by LR |\n| --- | --- | --- | --- | --- | --- |")
    for name, init in starts.items():
        torch.manual_seed(0)
        module = LSTMModule(**sizes, init_state=init).eval()
        pooled = {"max": [], "mean": []}
        with torch.no_grad():
            for i in range(0, len(seqs), 50):
                batch = seqs[i : i + 50]
                lengths = torch.tensor([max(len(s), 1) for s in batch])
                ids = torch.zeros(len(batch), int(lengths.max()), dtype=torch.long)
                for j, s in enumerate(batch):
                    ids[j, : len(s)] = torch.tensor(s)
                H, _ = module.lstm(module.embedding(ids), lengths)
                real = (torch.arange(ids.shape[1])[None] < lengths[:, None])[..., None]
                pooled["max"].append(H.masked_fill(~real, -2.0).max(1).values.numpy())
                pooled["mean"].append(((H * real).sum(1) / lengths[:, None]).numpy())
        for how, F in pooled.items():
            F = np.concatenate(F)
            probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
            acc = probe.fit(F[:2000], y[:2000]).score(F[2000:], y[2000:])
            print(f"| {name} | {how} | {np.abs(F).mean():.3f} | {(np.abs(F) > 0.9).mean():.1%} "
                  f"| {F.std(0).mean():.3f} | {acc:.1%} |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lm")
    parser.add_argument("--arms", default="control:3e-3,lm:3e-3,lm:1e-3",
                        help="comma-separated start:learning-rate[:pooling] arms; start is "
                             "'lm' (fine-tuned from the language model) or 'control' (its "
                             "Word2Vec vectors alone); pooling defaults to the classifier's")
    parser.add_argument("--unlabelled", type=int, default=50000,
                        help="how many unlabelled reviews the students also distil on")
    parser.add_argument("--saturation", action="store_true",
                        help="the untrained students' pooled states instead of the arms")
    args = parser.parse_args()
    header("Distilled students from a language model or its vectors alone (exploration)",
           "IMDB (aclImdb v1) training reviews: "
           + ("3,000 (seed 1), the pooled states of 2,000 to fit a probe, 1,000 to score it"
              if args.saturation else "20,000 to fit, 5,000 held out to score, plus "
              f"{args.unlabelled:,} unlabelled reviews") + "; the test set is not read")
    lm = sknlp.load(args.lm)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    if args.saturation:
        return saturation(lm, train)
    unsup = load_imdb(subset="unsup", data_home=DATA_HOME)
    X_fit, X_val, y_fit, y_val = train_test_split(list(train.data), train.target,
                                                  test_size=5000, stratify=train.target,
                                                  random_state=0)
    rng = np.random.default_rng(0)
    extra = [unsup.data[i] for i in rng.permutation(len(unsup.data))[: args.unlabelled]]
    t = time.perf_counter()
    teacher = make_pipeline(NGram(ngram_range=(1, 3), weighting="nb", min_df=2),
                            LogisticRegression(C=0.1, max_iter=1000)).fit(X_fit, y_fit)
    print(f"teacher on the hold-out: {teacher.score(X_val, y_val):.2%} "
          f"(fit {time.perf_counter() - t:.0f} s)", flush=True)
    X = X_fit + extra
    y = np.concatenate([y_fit, np.full(len(extra), -1)])
    sizes = dict(embedding_dim=lm.embedding_dim, hidden_size=lm.hidden_size)
    for arm in args.arms.split(","):
        start, lr, *pooling = arm.split(":")
        if start == "lm":
            student = LSTMClassifier(**sizes, pretrained=FrozenEstimator(lm))
        elif start == "control":
            student = LSTMClassifier(**sizes, embeddings=Word2Vec(pretrained=lm.embeddings.wv_))
        else:
            parser.error(f"unknown start {start!r}")
        student.set_params(lr=float(lr), max_epochs=1, random_state=0, verbose=2)
        if pooling:
            student.set_params(pooling=pooling[0])
        dist = DistilledClassifier(teacher=FrozenEstimator(teacher), student=student,
                                   temperature=2.0, alpha=0.5, random_state=0)
        t = time.perf_counter()
        dist.fit(X, y)
        loss = dist.student_.history_[-1, "train_loss"]
        print(f"{start:8s} lr {lr:6s} pooling {student.pooling:5s}: hold-out accuracy "
              f"{dist.score(X_val, y_val):.2%}, train loss {loss:.4f} "
              f"({(time.perf_counter() - t) / 60:.1f} min)", flush=True)


if __name__ == "__main__":
    main()
