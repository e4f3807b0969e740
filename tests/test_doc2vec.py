import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sknlp.embeddings import Doc2Vec

SMALL = dict(vector_size=32, min_count=2, epochs=20, random_state=0)


@pytest.fixture(scope="module")
def fitted(lee_corpus):
    return Doc2Vec(**SMALL).fit(lee_corpus)


def test_an_inferred_training_document_finds_its_own_trained_vector(fitted, lee_corpus):
    # The sanity check of paragraph vectors: inference lands next to the vector training
    # gave the same document.
    docs = lee_corpus[:60]
    inferred = fitted.transform(docs)
    trained = fitted.model_.dv.vectors
    cos = (inferred / np.linalg.norm(inferred, axis=1, keepdims=True)) @ (
        trained / np.linalg.norm(trained, axis=1, keepdims=True)).T
    assert (cos.argmax(axis=1) == np.arange(len(docs))).mean() >= 0.8


def test_transform_is_independent_of_batch_order_and_reproducible(fitted, lee_corpus):
    docs = lee_corpus[:20]
    A = fitted.transform(docs)
    B = fitted.transform(docs[::-1])[::-1]
    np.testing.assert_array_equal(A, B)
    np.testing.assert_array_equal(fitted.transform(docs[5:6])[0], A[5])
    again = Doc2Vec(**SMALL).fit(lee_corpus)
    np.testing.assert_array_equal(again.transform(docs), A)


def test_documents_without_known_tokens_get_zero_vectors(fitted):
    out = fitted.transform(["", "qwxz zzyq", "the government said", ""])
    assert not out[0].any() and not out[1].any() and out[2].any() and not out[3].any()


def test_infer_epochs_and_modes(lee_corpus):
    a = Doc2Vec(**SMALL).fit(lee_corpus[:100])
    b = a.set_params(infer_epochs=2).transform(lee_corpus[:3])
    assert not np.array_equal(b, a.set_params(infer_epochs=None).transform(lee_corpus[:3]))
    dm = Doc2Vec(**{**SMALL, "epochs": 2}, dm="dm").fit(lee_corpus[:100])
    assert dm.model_.dm == 1 and dm.transform(lee_corpus[:2]).shape == (2, 32)
    words = Doc2Vec(**{**SMALL, "epochs": 5}, dbow_words=True).fit(lee_corpus)
    # word vectors trained alongside: a word is closer to a related one than to a random one
    wv = words.model_.wv
    assert wv.similarity("israeli", "palestinian") > wv.similarity("israeli", "wednesday")


def test_ngram_range_trains_on_ngrams(lee_corpus):
    d2v = Doc2Vec(**{**SMALL, "epochs": 2}, ngram_range=(1, 2)).fit(lee_corpus[:100])
    assert any(" " in k for k in d2v.model_.wv.index_to_key)


def test_long_documents_train_whole(lee_corpus):
    # gensim trains on the first 10,000 tokens of a document only: longer ones go in pieces
    # sharing the document's vector.
    long_doc = " ".join(lee_corpus) * 2
    d2v = Doc2Vec(**{**SMALL, "epochs": 1}).fit([long_doc, lee_corpus[0]])
    assert len(d2v.model_.dv) == 2
    assert d2v.model_.corpus_total_words > 10000


def test_pipeline_on_imdb_learns_sentiment(imdb_small):
    X_tr, y_tr, X_te, y_te = imdb_small
    pipe = make_pipeline(Doc2Vec(vector_size=50, epochs=20, random_state=0),
                         LogisticRegression(max_iter=2000))
    scores = cross_val_score(pipe, X_tr + X_te, np.r_[y_tr, y_te], cv=2)
    assert scores.mean() > 0.62, scores  # chance is 0.5; 89 % needs the full corpus


def test_clear_errors(lee_corpus):
    with pytest.raises(ValueError, match="empty vocabulary"):
        Doc2Vec(min_count=50).fit(["a b", "c d"])
    with pytest.raises(ValueError, match="dm"):
        Doc2Vec(dm="pv").fit(lee_corpus[:5])


def test_stacking_infers_each_document_once(lee_corpus, monkeypatch):
    # A Doc2Vec fitted on unlabelled text, frozen inside scikit-learn's stacking: the
    # inner cross-validation transforms every document several times, inference runs once.
    from sklearn.ensemble import StackingClassifier
    from sklearn.frozen import FrozenEstimator

    from sknlp.preprocessing import NGram

    d2v = Doc2Vec(**{**SMALL, "epochs": 5}).fit(lee_corpus)
    docs = lee_corpus[:120]
    y = np.array([("police" in d.lower()) for d in docs], dtype=int)
    inferred = []
    real = Doc2Vec._infer
    monkeypatch.setattr(Doc2Vec, "_infer", lambda self, d, e: (inferred.extend(d),
                                                                real(self, d, e))[1])
    stack = StackingClassifier(
        [("ngram", make_pipeline(NGram(), LogisticRegression())),
         ("d2v", make_pipeline(FrozenEstimator(d2v), LogisticRegression()))],
        final_estimator=LogisticRegression(), cv=3).fit(docs, y)
    stack.predict(docs)
    assert sorted(inferred) == sorted(docs)  # each once, although seen 3 + 1 + 1 times
    # the cache never changes a result, and is neither saved nor cloned
    np.testing.assert_array_equal(d2v.transform(docs[:5]), real(d2v, docs[:5], d2v.epochs))
    inferred.clear()
    d2v.set_params(inference_cache=0).transform(docs[:5])
    assert len(inferred) == 5
    assert not any("_infer" in k for k in vars(d2v))


def test_same_vectors_in_every_process(tmp_path):
    # gensim's own infer_vector seeds with Python's string hash, which changes per process
    code = (
        "import sys, numpy as np\n"
        "from gensim.test.utils import datapath\n"
        "from sknlp.embeddings import Doc2Vec\n"
        "docs = [l for l in open(datapath('lee_background.cor'), encoding='utf-8') if l.strip()]\n"
        "d = Doc2Vec(vector_size=16, epochs=3, random_state=7).fit(docs[:100])\n"
        "np.save(sys.argv[1], d.transform(docs[:20]))\n"
    )
    outs = []
    for seed in ("1", "2"):
        path = tmp_path / f"out{seed}.npy"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env)
        outs.append(np.load(path))
    np.testing.assert_array_equal(outs[0], outs[1])
