"""Exploration (not a benchmark): how to pool ``LanguageModel`` token features into document
features for a linear model (issue 16, target 4), chosen on a split of the IMDB training
reviews, never the test set.

    python benchmarks/explore_lm_features.py --load lm.sknlp --fit 10000 --score 2000

Each pooling feeds ``StandardScaler`` + ``LogisticRegression``, fitted on ``--fit`` training
reviews and scored on ``--score`` others (drawn with seed 0) at each C of a grid. Poolings:
the mean over a review's tokens (what ``transform`` returns), the maximum, both side by side,
and the mean weighted by each token's smooth inverse frequency a / (a + p(w)) (Arora et al.
2017, "A simple but tough-to-beat baseline for sentence embeddings", with p(w) the token's
share of the language model's training tokens).

``--windows 128,0`` compares instead the mean when the model reads each review in windows
of that many tokens (0: whole), and ``--tail N`` adds the mean of a whole review's last N
tokens.
"""

import argparse
import time

import numpy as np
import torch
from _common import DATA_HOME, header
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknlp
from sknlp.datasets import load_imdb
from sknlp.neural._engine import torch_threads
from sknlp.neural._modules import _mask


def pooled(lm, docs, a):
    """Per review: mean, max and SIF-weighted mean of the token features."""
    module, device = lm._module()
    counts = lm.tokenizer_.token_counts_.astype(np.float64)
    sif = torch.tensor(a / (a + counts / counts.sum()), dtype=torch.float32)
    n, D = len(docs), lm.n_features_out_
    mean, mx, wmean = np.zeros((n, D)), np.full((n, D), -np.inf), np.zeros((n, D))
    tokens, weight = np.zeros(n), np.zeros(n)
    ids, lengths, owner = lm._windows(docs, min_tokens=1)
    start = 0
    with torch.no_grad(), torch_threads(lm.n_jobs):
        for Xb, _ in lm._batches(ids, lengths):
            b_ids, b_len = Xb["ids"].to(device), Xb["lengths"].to(device)
            feats = module.features(b_ids, b_len).float()  # (B, T, D)
            mask = _mask(b_len, b_ids.shape[1])[..., None]
            w = sif[b_ids.cpu()][..., None] * mask
            rows = owner[start : start + len(b_ids)]
            np.add.at(mean, rows, (feats * mask).sum(1).numpy())
            np.maximum.at(mx, rows, feats.masked_fill(~mask, -np.inf).amax(1).numpy())
            np.add.at(wmean, rows, (feats * w).sum(1).numpy())
            np.add.at(tokens, rows, b_len.numpy())
            np.add.at(weight, rows, w.sum((1, 2)).numpy())
            start += len(b_ids)
    mean /= np.maximum(tokens, 1)[:, None]
    wmean /= np.maximum(weight, 1e-12)[:, None]
    mx[~np.isfinite(mx)] = 0.0
    return {"mean": mean, "max": mx, "mean+max": np.hstack([mean, mx]),
            "sif mean": wmean, "sif mean+max": np.hstack([wmean, mx])}


def windowed_mean(lm, docs, window, tail=0):
    """Per review, the mean of the token features when the language model reads the
    review in windows of ``window`` tokens (0: the whole review at once), each window's
    states starting afresh. Windows are batched by length, so a long window costs only
    its own tokens. With ``tail``, the mean of the review's last ``tail`` tokens is put
    beside it (a review's end often states its verdict)."""
    module, device = lm._module()
    seqs = lm.tokenizer_.texts_to_sequences(docs)
    pieces, owner = [], []
    for d, seq in enumerate(seqs):
        step = window or max(len(seq), 1)
        for start in range(0, len(seq), step):
            pieces.append(seq[start : start + step])
            owner.append(d)
    order = np.argsort([len(p) for p in pieces], kind="stable")
    out = np.zeros((len(docs), lm.n_features_out_))
    end = np.zeros((len(docs), lm.n_features_out_))
    tokens = np.zeros(len(docs))
    with torch.no_grad(), torch_threads(lm.n_jobs):
        for b in range(0, len(order), 64):
            batch = order[b : b + 64]
            T = max(len(pieces[i]) for i in batch)
            ids = torch.zeros((len(batch), T), dtype=torch.long)
            lengths = torch.tensor([len(pieces[i]) for i in batch])
            for r, i in enumerate(batch):
                ids[r, : len(pieces[i])] = torch.tensor(pieces[i])
            feats = module.features(ids.to(device), lengths.to(device)).float().cpu()
            mask = _mask(lengths, T)[..., None]
            np.add.at(out, np.asarray(owner)[batch], (feats * mask).sum(1).numpy())
            np.add.at(tokens, np.asarray(owner)[batch], lengths.numpy())
            if tail:  # whole reviews only: each row is its review's last window
                for r, i in enumerate(batch):
                    n = len(pieces[i])
                    end[owner[i]] = feats[r, max(n - tail, 0) : n].mean(0).numpy()
    mean = out / np.maximum(tokens, 1)[:, None]
    return np.hstack([mean, end]) if tail else mean


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", required=True, help="a saved LanguageModel")
    parser.add_argument("--fit", type=int, default=10000)
    parser.add_argument("--score", type=int, default=2000)
    parser.add_argument("--sif", type=float, default=1e-3, help="a of the SIF weights")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--tail", type=int, default=0,
                        help="with --windows 0: also the mean of the last TAIL tokens")
    parser.add_argument("--windows", default=None,
                        help="comma-separated window lengths for the mean (0: whole "
                        "reviews); compares these instead of the poolings")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    order = np.random.default_rng(0).permutation(len(train.data))
    fit, score = order[: args.fit], order[args.fit : args.fit + args.score]
    header("LanguageModel features: pooling for a linear model",
           f"IMDB training reviews: {len(fit):,} to fit, {len(score):,} to score (never "
           "the test set)")
    lm = sknlp.load(args.load)
    print(f"language model: {args.load}, {lm.n_features_out_} features per token", flush=True)
    t = time.perf_counter()
    docs = [train.data[i] for i in np.concatenate([fit, score])]
    if args.windows:
        features = {}
        for w in (int(v) for v in args.windows.split(",")):
            t0 = time.perf_counter()
            features[f"mean, window {w or 'whole review'}"] = F = windowed_mean(
                lm, docs, w, args.tail if w == 0 else 0)
            if args.tail and w == 0:
                D = lm.n_features_out_
                features["mean of the whole review"] = F[:, :D]
                features[f"mean of the last {args.tail} tokens"] = F[:, D:]
            print(f"window {w}: {time.perf_counter() - t0:.0f} s", flush=True)
    else:
        features = pooled(lm, docs, args.sif)
    print(f"features of {len(docs):,} reviews in {time.perf_counter() - t:.0f} s", flush=True)
    y = np.asarray(train.target)
    y_fit, y_score = y[fit], y[score]
    grid = [0.001, 0.003, 0.01, 0.03, 0.1]
    print(f"\n| pooling | dims | {' | '.join(f'C={c:g}' for c in grid)} | best |")
    print(f"| --- | --- | {' | '.join('---' for _ in grid)} | --- |")
    for name, F in features.items():
        accs = []
        for C in grid:
            model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
            model.fit(F[: len(fit)], y_fit)
            accs.append(model.score(F[len(fit) :], y_score))
        print(f"| {name} | {F.shape[1]} | {' | '.join(f'{a:.2%}' for a in accs)} | "
              f"**{max(accs):.2%}** |", flush=True)


if __name__ == "__main__":
    main()
