"""Doc2Vec on IMDB: paragraph vectors + logistic regression (target >= 89.0 %), and training
and inference speed against bare gensim on the same corpus (target <= 1.10x).

    python benchmarks/bench_doc2vec.py [--speed-only]
"""

import logging
import statistics
import sys
import time

import numpy as np
from _common import DATA_HOME, header
from gensim.models import Doc2Vec as GensimDoc2Vec
from gensim.models.doc2vec import TaggedDocument
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknlp.datasets import load_imdb
from sknlp.embeddings import Doc2Vec
from sknlp.preprocessing._text import factorize

# sknlp's defaults (PV-DBOW, 100 dimensions, 20 epochs, min_count 2, no down-sampling),
# with two training threads on this 2-core machine.
PARAMS = dict(vector_size=100, epochs=20, min_count=2, workers=2)
GENSIM = dict(vector_size=100, epochs=20, min_count=2, workers=2, dm=0, hs=0, negative=5,
              sample=0.0, window=5, alpha=0.025, min_alpha=1e-4)


def token_lists(texts):
    corpus = factorize(list(texts))
    tokens = np.asarray(corpus.uniques, dtype=object)[corpus.codes]
    return [p.tolist() for p in np.split(tokens, np.cumsum(corpus.lengths)[:-1])]


def main():
    header("Doc2Vec", "IMDB train+unsup (75,000 reviews) for the vectors, no labels; "
           "train/test (25,000 each) for accuracy")
    logging.getLogger("gensim").setLevel(logging.WARNING)
    texts = load_imdb(subset=["train", "unsup"], data_home=DATA_HOME).data
    X_train, y_train = load_imdb(subset="train", data_home=DATA_HOME, return_X_y=True)
    X_test, y_test = load_imdb(subset="test", data_home=DATA_HOME, return_X_y=True)
    print(f"params: {PARAMS}", flush=True)

    # Speed: bare gensim on pre-tokenized text (tokenizing not timed) against the estimator
    # on raw text (tokenizing included), one thread each, alternating three times on 10,000
    # training reviews so that both meet the same machine; medians.
    speed_docs = list(X_train[:10000])
    sentences = token_lists(speed_docs)
    tagged = [TaggedDocument(s, [i]) for i, s in enumerate(sentences)]
    one = {**GENSIM, "workers": 1, "epochs": 5}
    ours_params = {**PARAMS, "workers": 1, "epochs": 5, "inference_cache": 0}
    infer_docs = list(X_test[:2000])
    infer_tokens = token_lists(infer_docs)
    fit_bare, fit_ours, inf_bare, inf_ours = [], [], [], []
    for _ in range(3):
        t = time.perf_counter()
        bare = GensimDoc2Vec(tagged, seed=0, **one)
        fit_bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours = Doc2Vec(random_state=0, **ours_params).fit(speed_docs)
        fit_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        for words in infer_tokens:
            bare.infer_vector(words)
        inf_bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours.transform(infer_docs)
        inf_ours.append(time.perf_counter() - t)
    med = statistics.median
    print(f"training, 10,000 reviews x 5 epochs, 1 thread: bare gensim "
          f"{len(speed_docs) * 5 / med(fit_bare):,.0f} docs/s, sknlp "
          f"{len(speed_docs) * 5 / med(fit_ours):,.0f} docs/s; time ratio "
          f"{med(fit_ours) / med(fit_bare):.3f}x (target <= 1.10x)")
    print(f"inference, 2,000 test reviews: bare infer_vector "
          f"{len(infer_docs) / med(inf_bare):,.0f} docs/s, sknlp transform "
          f"{len(infer_docs) / med(inf_ours):,.0f} docs/s (tokenizing and per-document "
          f"seeding included, no cache); time ratio {med(inf_ours) / med(inf_bare):.3f}x "
          "(target <= 1.10x)", flush=True)
    if "--speed-only" in sys.argv:
        return

    t = time.perf_counter()
    d2v = Doc2Vec(random_state=0, **PARAMS).fit(texts)
    print(f"fit on 75,000 reviews, 2 threads: {time.perf_counter() - t:.0f} s", flush=True)

    # Accuracy: vectors inferred for the train and test reviews alike, C chosen by
    # 5-fold cross-validation on the training reviews only.
    t = time.perf_counter()
    F_train, F_test = d2v.transform(X_train), d2v.transform(X_test)
    t_inf = time.perf_counter() - t
    clf = make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=[0.001, 0.01, 0.1, 1],
                                                                cv=5, max_iter=2000))
    clf.fit(F_train, y_train)
    acc = clf.score(F_test, y_test)
    print(f"inferring 50,000 reviews: {t_inf:.0f} s")
    print(f"Doc2Vec (PV-DBOW) + LogisticRegression: test accuracy {100 * acc:.2f} %  "
          f"(target >= 89.0 %; C={clf[-1].C_[0]})")
    # The training reviews' own trained vectors, for comparison with the inferred ones.
    trained = d2v.model_.dv.vectors[: len(X_train)]
    clf2 = make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=[0.001, 0.01, 0.1, 1],
                                                                 cv=5, max_iter=2000))
    clf2.fit(trained, y_train)
    print(f"  trained (not inferred) vectors for the training reviews: test accuracy "
          f"{100 * clf2.score(F_test, y_test):.2f} %")


if __name__ == "__main__":
    main()
