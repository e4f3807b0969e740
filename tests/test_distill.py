import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sknlp.neural import DistillationLoss, DistilledClassifier, LSTMClassifier
from sknlp.neural._distill import augment, count_parameters, teacher_logits
from sknlp.preprocessing import NGram, Tokenizer


def _teacher():
    return make_pipeline(NGram(ngram_range=(1, 2), weighting="nb"),
                         LogisticRegression(C=0.1, max_iter=1000))


def _student(**kw):
    return LSTMClassifier(**{"embedding_dim": 32, "hidden_size": 32, "max_epochs": 3,
                             "lr": 1e-2, "random_state": 0,
                             "tokenizer": Tokenizer(num_words=3000, maxlen=100), **kw})


@pytest.fixture(scope="module")
def semi(imdb_small):
    X_tr, y_tr, X_te, y_te = imdb_small
    y = y_tr.copy()
    y[200:] = -1  # half of the training reviews become unlabelled transfer text
    return X_tr, y, X_te, y_te


@pytest.fixture(scope="module")
def zh_semi(zh_reviews):
    idx = np.random.default_rng(0).permutation(len(zh_reviews.data))[:1600]
    X = [zh_reviews.data[i] for i in idx]
    y = zh_reviews.target[idx].copy()
    y_te = y[1200:].copy()
    y[600:1200] = -1  # half of the training reviews become unlabelled transfer text
    return X[:1200], y[:1200], X[1200:], y_te


def test_student_learns_from_the_teacher(zh_semi):
    X, y, X_te, y_te = zh_semi
    teacher = make_pipeline(NGram(analyzer="char", ngram_range=(1, 2), weighting="nb"),
                            LogisticRegression(C=0.1, max_iter=1000))
    student = _student(tokenizer=Tokenizer(analyzer="char", num_words=3000, maxlen=120),
                       embedding_dim=48, hidden_size=48, max_epochs=8)
    clf = DistilledClassifier(teacher=teacher, student=student, temperature=2.0,
                              alpha=0.5).fit(X, y)
    assert clf.teacher_[0].n_documents_ == 600  # the teacher saw the labelled rows only
    assert clf.n_transfer_ == len(X)
    assert 0.7 < clf.agreement_ <= 1.0
    proba = clf.predict_proba(X_te)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.predict(X_te), clf.student_.predict(X_te))
    assert clf.score(X_te, y_te) > 0.7  # majority class is about 0.52
    expected = count_parameters(clf.teacher_) / clf.student_.n_parameters_
    assert clf.compression_ratio_ == pytest.approx(expected)
    lr = clf.teacher_[-1]
    assert count_parameters(clf.teacher_) == lr.coef_.size + lr.intercept_.size


def test_frozen_teacher_is_used_as_is(semi, imdb_small):
    X, y, _, _ = semi
    teacher = _teacher().fit(imdb_small[2], imdb_small[3])  # fitted elsewhere
    coef = teacher[-1].coef_.copy()
    clf = DistilledClassifier(teacher=FrozenEstimator(teacher), student=_student(max_epochs=1))
    clf.fit(X, y)
    assert clf.teacher_.estimator is teacher
    np.testing.assert_array_equal(teacher[-1].coef_, coef)


def test_augmentation_grows_the_transfer_set(semi):
    X, y, _, _ = semi
    clf = DistilledClassifier(teacher=_teacher(), student=_student(max_epochs=1),
                              augment="both", n_augment=2, random_state=0).fit(X, y)
    assert clf.n_transfer_ == 3 * len(X)


def test_augment_functions():
    rng = np.random.RandomState(0)
    assert augment(["a b c"], kind="mask", n_copies=1, mask_prob=1.0, rng=rng) == [
        "<mask> <mask> <mask>"]
    grams = augment(["w1 w2 w3 w4 w5 w6"], kind="ngram", n_copies=20, mask_prob=0, rng=rng)
    for g in grams:
        assert g in "w1 w2 w3 w4 w5 w6" and len(g.split()) >= 3
    assert augment(["很好看"], kind="mask", n_copies=1, mask_prob=1.0, rng=rng) == [
        "<mask><mask><mask>"]


def test_loss_matches_hinton_and_tang():
    torch.manual_seed(0)
    s, t = torch.randn(6, 3), torch.randn(6, 3)
    hard = torch.tensor([0, 2, -1, 1, -1, 0], dtype=torch.float32)
    target = torch.cat([hard[:, None], t], 1)
    T = 3.0
    kl = (F.softmax(t / T, 1) * (F.log_softmax(t / T, 1) - F.log_softmax(s / T, 1))).sum(1)
    ce = F.cross_entropy(s[hard >= 0], hard[hard >= 0].long())
    expected = 0.3 * ce + 0.7 * T * T * kl.mean()
    got = DistillationLoss(temperature=T, alpha=0.3)(s, target)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)
    assert DistillationLoss(alpha=1.0)(s, target).item() == pytest.approx(ce.item(), rel=1e-6)
    mse = DistillationLoss(alpha=0.0, kind="mse")(s, target)
    assert mse.item() == pytest.approx(F.mse_loss(s, t).item(), rel=1e-6)


def test_teacher_logits_from_scores_or_probabilities(imdb_small):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    pipe = _teacher().fit(X, y)
    logits = teacher_logits(pipe, X[:5])
    scores = pipe.decision_function(X[:5])
    np.testing.assert_allclose(logits[:, 1] - logits[:, 0], scores)

    class ProbaOnly:
        classes_ = np.array([0, 1])

        def predict_proba(self, X):
            return np.tile([0.2, 0.8], (len(X), 1))

    np.testing.assert_allclose(teacher_logits(ProbaOnly(), ["a"]), np.log([[0.2, 0.8]]))


def test_bad_input(semi):
    X, y, _, _ = semi
    with pytest.raises(ValueError, match="at least 2 classes"):
        DistilledClassifier(teacher=_teacher(), student=_student()).fit(X[:3], [1, -1, -1])
    with pytest.raises(ValueError, match="different lengths"):
        DistilledClassifier(teacher=_teacher(), student=_student()).fit(X, y[:-1])
    with pytest.raises(TypeError, match="sknlp neural classifier"):
        DistilledClassifier(teacher=_teacher(), student=LogisticRegression()).fit(X, y)


def test_grid_search_over_temperature_alpha_and_student(semi):
    X, y, _, _ = semi
    keep = y != -1
    X_l, y_l = [d for d, k in zip(X, keep) if k][:120], y[keep][:120]
    search = GridSearchCV(
        DistilledClassifier(teacher=_teacher(), student=_student(max_epochs=1)),
        {"temperature": [1.0, 4.0], "alpha": [0.0, 0.5], "student__hidden_size": [8]}, cv=2)
    search.fit(X_l, y_l)
    assert len(search.cv_results_["params"]) == 4
