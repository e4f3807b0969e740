"""fit(X, y, sample_weight=...) for every classifier, and its routing by scikit-learn."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sknlp.neural import DistilledClassifier, LSTMClassifier, TransformerClassifier
from sknlp.preprocessing import BagOfWords, Tokenizer

TINY = dict(max_epochs=2, batch_size=32, random_state=0, validation_fraction=0.25,
            early_stopping=True, tokenizer=Tokenizer(num_words=2000, maxlen=100))
MODELS = [(LSTMClassifier, dict(embedding_dim=16, hidden_size=16)),
          (TransformerClassifier, dict(d_model=16, n_heads=2, n_layers=1,
                                       dim_feedforward=32))]


@pytest.mark.parametrize("cls,params", MODELS, ids=["lstm", "transformer"])
def test_unit_weights_change_nothing(cls, params, imdb_small):
    X, y = imdb_small[0][:160], imdb_small[1][:160]
    plain = cls(**TINY, **params).fit(X, y)
    ones = cls(**TINY, **params).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(ones.predict_proba(X[:20]), plain.predict_proba(X[:20]),
                               atol=1e-6)
    for a, b in zip(plain.history_, ones.history_):  # validation scores too
        assert a["valid_acc"] == b["valid_acc"]
        assert a["valid_loss"] == pytest.approx(b["valid_loss"], abs=1e-6)


@pytest.mark.parametrize("cls,params", MODELS, ids=["lstm", "transformer"])
def test_weights_steer_the_model(cls, params, imdb_small):
    X, y = imdb_small[0], imdb_small[1]
    # documents of class 1 count for nothing: the model learns that everything is class 0
    ignored = np.where(y == 1, 0.0, 1.0)
    clf = cls(**{**TINY, "max_epochs": 3}, **params).fit(X, y, sample_weight=ignored)
    assert (clf.predict(X) == 0).mean() > 0.9
    # and the validation accuracy counted the weightless documents for nothing either
    assert clf.history_[-1]["valid_acc"] > 0.9


def test_routing_through_pipeline_and_grid_search(imdb_small):
    X, y = imdb_small[0][:120], imdb_small[1][:120]
    w = np.where(y == 1, 0.0, 1.0)
    clf = LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=3, random_state=0)
    pipe = make_pipeline(Tokenizer(num_words=1000, maxlen=80), clf)
    pipe.fit(X, y, lstmclassifier__sample_weight=w)
    assert (pipe.predict(X) == 0).mean() > 0.9
    clf.set_params(tokenizer=Tokenizer(num_words=1000, maxlen=80))
    grid = GridSearchCV(clf, {"lr": [3e-3]}, cv=2).fit(X, y, sample_weight=w)
    assert (grid.predict(X) == 0).mean() > 0.9


def test_warm_start_takes_weights(imdb_small):
    X, y = imdb_small[0][:120], imdb_small[1][:120]
    clf = LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0,
                         warm_start=True).fit(X, y)
    clf.set_params(max_epochs=3).fit(X, y, sample_weight=np.where(y == 1, 0.0, 1.0))
    assert (clf.predict(X) == 0).mean() > 0.9


def test_bad_weights_are_clear_errors(imdb_small):
    X, y = imdb_small[0][:40], imdb_small[1][:40]
    clf = LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=1)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=np.ones(39))
    with pytest.raises(ValueError, match="[Nn]egative"):
        clf.fit(X, y, sample_weight=-np.ones(40))


def test_distilled_weights_reach_teacher_and_student(imdb_small):
    X, y = imdb_small[0][:160], imdb_small[1][:160]
    w = np.where(y == 1, 0.0, 1.0)
    dist = DistilledClassifier(
        teacher=make_pipeline(BagOfWords(), LogisticRegression()),
        student=LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=3,
                               tokenizer=Tokenizer(num_words=1000, maxlen=80)),
        augment="mask", n_augment=1, random_state=0).fit(X, y, sample_weight=w)
    assert (dist.teacher_.predict(X) == 0).mean() > 0.9
    assert (dist.predict(X) == 0).mean() > 0.9
    frozen_free = DistilledClassifier(
        teacher=make_pipeline(BagOfWords(), _NoWeights()),
        student=LSTMClassifier(max_epochs=1))
    with pytest.raises(TypeError, match="does not take sample_weight"):
        frozen_free.fit(X, y, sample_weight=w)


class _NoWeights(LogisticRegression):
    # a classifier whose fit has no sample_weight parameter
    def fit(self, X, y):
        return super().fit(X, y)
