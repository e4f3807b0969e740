"""Word2Vec on IMDB: training speed against bare gensim, analogy accuracy, and
mean-pooled document vectors + logistic regression (target >= 86 %)."""

import logging
import time

import numpy as np
from _common import DATA_HOME, header
from gensim.models import Word2Vec as GensimWord2Vec
from gensim.test.utils import datapath
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknlp.datasets import load_imdb
from sknlp.embeddings import Word2Vec
from sknlp.preprocessing._text import factorize

PARAMS = dict(vector_size=300, sg=0, window=5, min_count=5, negative=5, epochs=10,
              workers=2)


def main():
    header("Word2Vec", "IMDB train+unsup (75,000 reviews) for vectors; train/test for accuracy")
    logging.getLogger("gensim").setLevel(logging.WARNING)
    texts = load_imdb(subset=["train", "unsup"], data_home=DATA_HOME).data
    X_train, y_train = load_imdb(subset="train", data_home=DATA_HOME, return_X_y=True)
    X_test, y_test = load_imdb(subset="test", data_home=DATA_HOME, return_X_y=True)

    # Bare gensim on the same tokens (tokenization not timed) ...
    corpus = factorize(texts)
    tokens = np.asarray(corpus.uniques, dtype=object)[corpus.codes]
    sentences = [p.tolist() for p in np.split(tokens, np.cumsum(corpus.lengths)[:-1])]
    n_words = len(tokens)
    # Training speed with the parameters of the model used below: bare gensim on the
    # pre-tokenized corpus against the sknlp estimator on raw text (tokenizing included).
    t = time.perf_counter()
    GensimWord2Vec(sentences=sentences, seed=0, **PARAMS)
    t_gensim = time.perf_counter() - t
    t = time.perf_counter()
    w2v = Word2Vec(random_state=0, **PARAMS).fit(texts)
    t_sknlp = time.perf_counter() - t
    words = n_words * PARAMS["epochs"]
    print(f"params: {PARAMS}")
    print(f"corpus words per epoch: {n_words:,}")
    print(f"bare gensim   : {words / t_gensim:12,.0f} words/s ({t_gensim:.1f} s, pre-tokenized)")
    print(f"sknlp Word2Vec: {words / t_sknlp:12,.0f} words/s ({t_sknlp:.1f} s, "
          "tokenization included)")
    print(f"wrapper overhead: {100 * (t_sknlp / t_gensim - 1):+.1f} %  (target <= 5 %)", flush=True)

    score, _ = w2v.wv_.evaluate_word_analogies(datapath("questions-words.txt"))
    print(f"analogy accuracy (questions-words.txt, restricted to the vocabulary): {score:.4f}")
    sim = w2v.wv_.evaluate_word_pairs(datapath("wordsim353.tsv"))
    print(f"wordsim353 Spearman: {sim[1].statistic:.3f}")
    print("king - man + woman:", w2v.wv_.most_similar(positive=["king", "woman"],
                                                       negative=["man"], topn=3))

    for pooling in ("mean", "tfidf", "max"):
        t = time.perf_counter()
        w2v.set_params(pooling=pooling)
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        clf.fit(w2v.transform(X_train), y_train)
        acc = clf.score(w2v.transform(X_test), y_test)
        print(f"Word2Vec(pooling={pooling!r}) + LogisticRegression: acc {acc:.4f} "
              f"({time.perf_counter() - t:.1f} s)  (target >= 86 %)", flush=True)


if __name__ == "__main__":
    main()
