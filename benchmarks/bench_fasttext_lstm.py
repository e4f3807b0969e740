"""FastText against Word2Vec as the LSTM's initial embeddings, where labels are few.

Both vector sets are trained without labels on the 75,000 train + unlabelled reviews with
the settings of ``bench_neural_imdb.py lstm-w2v`` (128 d, min_count 3, 5 epochs); the LSTM
of ``bench_neural_imdb.py lstm`` is then trained on 5,000 labelled training reviews (4
epochs, early stopping on a 10 % hold-out) from random, Word2Vec and FastText embeddings,
and scored on 10,000 test reviews. (The full 25,000-review runs take 30 minutes each; few
labels are also where initial vectors matter most.)

    python benchmarks/bench_fasttext_lstm.py [random] [Word2Vec] [FastText]   (default: all)
"""

import logging
import sys
import time

import numpy as np
from _common import DATA_HOME, header

from sknlp.datasets import load_imdb
from sknlp.embeddings import FastText, Word2Vec
from sknlp.neural import LSTMClassifier
from sknlp.preprocessing import Tokenizer


def lstm(embeddings):
    return LSTMClassifier(
        tokenizer=Tokenizer(num_words=30000, maxlen=256, truncating="pre"), embedding_dim=128,
        hidden_size=128, bidirectional=True, pooling="max", dropout=0.4, max_epochs=4,
        batch_size=64, lr=3e-3, early_stopping=True, patience=2, random_state=0,
        embeddings=embeddings)


def main():
    header("FastText vs Word2Vec as LSTM embeddings", "IMDB: vectors on train+unsup "
           "(75,000, no labels); LSTM on 5,000 labelled train reviews; 10,000 test reviews "
           "(random samples, random_state=0)")
    logging.getLogger("gensim").setLevel(logging.WARNING)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    test = load_imdb(subset="test", data_home=DATA_HOME)
    rng = np.random.RandomState(0)
    tr = rng.permutation(len(train.data))[:5000]
    te = rng.permutation(len(test.data))[:10000]
    X_tr, y_tr = [train.data[i] for i in tr], train.target[tr]
    X_te, y_te = [test.data[i] for i in te], test.target[te]
    texts = load_imdb(subset=["train", "unsup"], data_home=DATA_HOME).data
    arms = (("random", None), ("Word2Vec", Word2Vec), ("FastText", FastText))
    chosen = sys.argv[1:] or [name for name, _ in arms]
    for name, kind in [a for a in arms if a[0] in chosen]:
        vectors, vec_s = None, 0.0
        if kind is not None:
            t = time.perf_counter()
            vectors = kind(vector_size=128, min_count=3, epochs=5, workers=2,
                           random_state=0).fit(texts)
            vec_s = time.perf_counter() - t
        t = time.perf_counter()
        clf = lstm(vectors).fit(X_tr, y_tr)
        fit_s = time.perf_counter() - t
        acc = clf.score(X_te, y_te)
        best = [h["epoch"] for h in clf.history_ if h.get("valid_loss_best")][-1]
        print(f"{name:8s}: test accuracy {100 * acc:.2f} %  (vectors {vec_s:.0f} s, LSTM fit "
              f"{fit_s:.0f} s, best epoch {best} of {len(clf.history_)})", flush=True)


if __name__ == "__main__":
    main()
