"""Doc2Vec on IMDB: paragraph vectors + logistic regression (target >= 89.0 %), and training
and inference speed against bare gensim on the same corpus (target <= 1.10x)."""

import logging
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

    # Bare gensim on the same tokens, tokenized beforehand (not timed) ...
    sentences = token_lists(texts)
    n_words = sum(map(len, sentences))
    tagged = [TaggedDocument(s, [i]) for i, s in enumerate(sentences)]
    t = time.perf_counter()
    bare = GensimDoc2Vec(tagged, seed=0, **GENSIM)
    t_bare = time.perf_counter() - t
    # ... against the estimator on raw text, tokenizing included.
    t = time.perf_counter()
    d2v = Doc2Vec(random_state=0, **PARAMS).fit(texts)
    t_ours = time.perf_counter() - t
    print(f"training words per epoch: {n_words:,}")
    print(f"bare gensim fit : {len(texts) / t_bare:8,.0f} docs/s ({t_bare:.1f} s, pre-tokenized)")
    print(f"sknlp Doc2Vec   : {len(texts) / t_ours:8,.0f} docs/s ({t_ours:.1f} s, "
          f"tokenization included)")
    print(f"training time ratio: {t_ours / t_bare:.3f}x  (target <= 1.10x)", flush=True)

    # Inference: gensim's infer_vector over pre-tokenized test reviews against transform.
    sample = list(X_test[:5000])
    test_tokens = token_lists(sample)
    t = time.perf_counter()
    for words in test_tokens:
        bare.infer_vector(words)
    t_bare_inf = time.perf_counter() - t
    t = time.perf_counter()
    d2v.transform(sample)
    t_ours_inf = time.perf_counter() - t
    print(f"bare gensim infer_vector: {len(sample) / t_bare_inf:8,.0f} docs/s")
    print(f"sknlp transform         : {len(sample) / t_ours_inf:8,.0f} docs/s "
          f"(tokenization and per-document seeding included)")
    print(f"inference time ratio: {t_ours_inf / t_bare_inf:.3f}x  (target <= 1.10x)", flush=True)

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
