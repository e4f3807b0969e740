"""Torch's thread count: ``n_jobs`` per estimator, restored after each call, and no
oversubscription inside scikit-learn's parallel workers."""

import os
import pickle

import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_validate
from skorch.callbacks import Callback

from sknlp.neural import LSTMClassifier
from sknlp.preprocessing import Tokenizer

TINY = dict(embedding_dim=8, hidden_size=8, max_epochs=1, batch_size=32, random_state=0,
            tokenizer=Tokenizer(num_words=500, maxlen=50))


class RecordThreads(Callback):
    """Writes torch's thread count during training into the history, where the fitted
    model (also one fitted in a worker process) carries it back."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("threads", torch.get_num_threads())


class Boom(Callback):
    def on_epoch_begin(self, net, **kwargs):
        raise RuntimeError("boom")


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


def test_n_jobs_sets_threads_for_the_fit_and_restores_them(imdb_small, restore_threads):
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    torch.set_num_threads(2)
    clf = LSTMClassifier(**TINY, n_jobs=1, callbacks=[RecordThreads()]).fit(X, y)
    assert clf.history_[-1]["threads"] == 1
    assert torch.get_num_threads() == 2
    clf.predict(X[:5])
    assert torch.get_num_threads() == 2
    # None leaves the caller's setting alone
    torch.set_num_threads(1)
    clf = LSTMClassifier(**TINY, callbacks=[RecordThreads()]).fit(X, y)
    assert clf.history_[-1]["threads"] == 1


def test_threads_restored_when_training_fails(imdb_small, restore_threads):
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    torch.set_num_threads(2)
    with pytest.raises(RuntimeError, match="boom"):
        LSTMClassifier(**TINY, n_jobs=1, callbacks=[Boom()]).fit(X, y)
    assert torch.get_num_threads() == 2


def test_zero_n_jobs_is_a_clear_error(imdb_small):
    with pytest.raises(ValueError, match="n_jobs == 0"):
        LSTMClassifier(**TINY, n_jobs=0).fit(imdb_small[0][:20], imdb_small[1][:20])


def test_parallel_search_does_not_oversubscribe(imdb_small):
    # Two folds in two worker processes: each may use its share of the cores, not all.
    X, y = imdb_small[0][:80], imdb_small[1][:80]
    out = cross_validate(LSTMClassifier(**TINY, callbacks=[RecordThreads()]), X, y, cv=2,
                         n_jobs=2, return_estimator=True)
    share = max(1, (os.cpu_count() or 1) // 2)
    assert [est.history_[-1]["threads"] for est in out["estimator"]] == [share, share]


def test_model_made_before_n_jobs_existed_still_works(imdb_small):
    clf = LSTMClassifier(**TINY).fit(imdb_small[0][:40], imdb_small[1][:40])
    del clf.n_jobs  # as pickled by the release before the parameter was added
    old = pickle.loads(pickle.dumps(clf))
    assert old.get_params()["n_jobs"] is None
    clone(old)
    assert old.predict(imdb_small[0][:3]).shape == (3,)
