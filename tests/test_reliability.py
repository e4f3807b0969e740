"""Interrupted training, determinism across n_jobs, concurrent prediction, and transforms
and predictions computed chunk by chunk (bounded memory)."""

import threading

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sknlp.embeddings import Word2Vec
from sknlp.neural import LSTMClassifier, TransformerClassifier
from sknlp.preprocessing import BagOfWords, NGram, Tokenizer

SMALL = dict(embedding_dim=16, hidden_size=16, batch_size=32, random_state=0,
             tokenizer=Tokenizer(num_words=2000, maxlen=100))


class CtrlC(Callback):
    """Presses Ctrl-C (raises KeyboardInterrupt) in the middle of epoch ``at``, and keeps a
    copy of the weights at the end of every finished epoch."""

    def __init__(self, at):
        self.at = at

    def initialize(self):
        self.weights, self.batches = {}, 0
        return self

    def on_batch_end(self, net, training=None, **kwargs):
        if training and len(net.history) == self.at:
            self.batches += 1
            if self.batches == 3:
                raise KeyboardInterrupt

    def on_epoch_end(self, net, **kwargs):
        self.weights[len(net.history)] = {k: v.clone() for k, v in
                                          net.module_.state_dict().items()}


def _same_weights(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


def test_ctrl_c_keeps_the_last_finished_epoch(imdb_small):
    X, y = imdb_small[0][:300], imdb_small[1][:300]
    spy = CtrlC(at=3)
    with pytest.warns(UserWarning, match="interrupted during epoch 3.*weights of epoch 2"):
        clf = LSTMClassifier(**SMALL, max_epochs=5, callbacks=[spy]).fit(X, y)
    assert len(clf.history_) == 2  # the unfinished epoch leaves no row behind
    assert _same_weights(clf.net_.module_.state_dict(), spy.weights[2])
    proba = clf.predict_proba(X[:20])
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1)


def test_ctrl_c_with_early_stopping_keeps_the_best_epoch(imdb_small):
    X, y = imdb_small[0][:300], imdb_small[1][:300]
    spy = CtrlC(at=4)
    with pytest.warns(UserWarning, match="interrupted during epoch 4"):
        clf = LSTMClassifier(**SMALL, max_epochs=6, early_stopping=True, patience=5,
                             callbacks=[spy]).fit(X, y)
    losses = clf.history_[:, "valid_loss"]
    best = int(np.argmin(losses)) + 1
    assert len(losses) == 3
    assert _same_weights(clf.net_.module_.state_dict(), spy.weights[best])


# Seeds and rates picked (CPU training is deterministic) so that the most accurate epoch falls
# after the break in one case and before it in the other: both ways of restoring are run.
@pytest.mark.parametrize("seed,lr,schedule,best_after_break",
                         [(2, 0.01, "linear", True), (3, 0.1, None, False)],
                         ids=["best-after-break", "best-before-break"])
def test_a_resumed_training_equals_an_uninterrupted_one(
        seed, lr, schedule, best_after_break, imdb_small, tmp_path):
    X, y = imdb_small[0][:300], imdb_small[1][:300]
    params = dict(**{**SMALL, "random_state": seed}, max_epochs=6, early_stopping=True,
                  scoring="accuracy", patience=6, lr=lr, lr_schedule=schedule)
    whole = LSTMClassifier(**params).fit(X, y)

    before = CtrlC(at=4)  # Ctrl-C in epoch 4: the checkpoint keeps epoch 3, whole
    with pytest.warns(UserWarning, match="interrupted during epoch 4"):
        LSTMClassifier(**params, checkpoint_dir=tmp_path / "ckpt", callbacks=[before]).fit(X, y)
    after = CtrlC(at=99)  # never interrupts; records the weights of epochs 4 to 6
    clf = LSTMClassifier(**params, checkpoint_dir=tmp_path / "ckpt",
                         callbacks=[after]).fit(X, y)
    assert sorted(after.weights) == [4, 5, 6]  # resumed, not started over
    accs = clf.history_[:, "valid_acc"]
    np.testing.assert_array_equal(accs, whole.history_[:, "valid_acc"])
    np.testing.assert_allclose(clf.history_[:, "train_loss"], whole.history_[:, "train_loss"],
                               rtol=1e-6)
    best = int(np.argmax(accs)) + 1  # the first epoch with the highest accuracy
    assert (best > 3) == best_after_break, accs
    weights = {**before.weights, **after.weights}
    assert _same_weights(clf.net_.module_.state_dict(), weights[best])
    for name, value in whole.net_.module_.state_dict().items():
        torch.testing.assert_close(clf.net_.module_.state_dict()[name], value)


@pytest.mark.parametrize("cls", [LSTMClassifier, TransformerClassifier], ids=["lstm", "trf"])
def test_same_seed_same_scores_whatever_n_jobs(cls, imdb_small):
    X, y = imdb_small[0][:240], imdb_small[1][:240]
    params = ({"embedding_dim": 16, "hidden_size": 16} if cls is LSTMClassifier else
              {"d_model": 16, "n_heads": 2, "n_layers": 1, "dim_feedforward": 32})
    pipe = make_pipeline(Tokenizer(num_words=2000, maxlen=80),
                         cls(**params, max_epochs=2, batch_size=32, random_state=0))
    serial = cross_val_score(pipe, X, y, cv=3, n_jobs=1)
    parallel = cross_val_score(pipe, X, y, cv=3, n_jobs=2)
    np.testing.assert_array_equal(serial, parallel)


def test_concurrent_predictions_match_sequential_ones(imdb_small):
    X, y, X_te = imdb_small[0][:300], imdb_small[1][:300], imdb_small[2][:160]
    clf = LSTMClassifier(**SMALL, max_epochs=1).fit(X, y)
    expected = [clf.predict_proba(X_te[i::8]) for i in range(8)]
    results, errors = [None] * 8, []

    def work(i):
        try:
            for _ in range(3):
                results[i] = clf.predict_proba(X_te[i::8])
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for got, want in zip(results, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)


class EpochCounter(Callback):
    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


KILLED_TRAINING = """
import json, sys, time
from skorch.callbacks import Callback
from sknlp.neural import LSTMClassifier
from sknlp.preprocessing import Tokenizer

class Report(Callback):
    # Slows each batch down so that the kill lands inside an epoch, and says when an
    # epoch has ended (after the checkpoint callback, which runs first, has saved it).
    def on_batch_end(self, net, **kwargs):
        time.sleep(0.05)
    def on_epoch_end(self, net, **kwargs):
        print("EPOCH", len(net.history), flush=True)

X, y = json.load(open(sys.argv[1]))
LSTMClassifier(embedding_dim=16, hidden_size=16, batch_size=32, random_state=0,
               tokenizer=Tokenizer(num_words=2000, maxlen=100), max_epochs=8,
               early_stopping=True, patience=8, checkpoint_dir=sys.argv[2],
               callbacks=[Report()]).fit(X, y)
print("DONE", flush=True)
"""


def test_killed_training_resumes_losing_at_most_one_epoch(imdb_small, tmp_path):
    import json
    import signal
    import subprocess
    import sys

    X, y = imdb_small[0][:320], imdb_small[1][:320]
    data, ckpt = tmp_path / "data.json", tmp_path / "ckpt"
    data.write_text(json.dumps([X, y.tolist()]))
    script = tmp_path / "train.py"
    script.write_text(KILLED_TRAINING)
    proc = subprocess.Popen([sys.executable, str(script), str(data), str(ckpt)],
                            stdout=subprocess.PIPE, text=True)
    finished = 0
    for line in proc.stdout:
        if line.startswith("EPOCH"):
            finished = int(line.split()[1])
            if finished == 3:
                proc.send_signal(signal.SIGKILL)  # no clean-up: as if the machine died
                break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL and finished == 3

    counter = EpochCounter()
    clf = LSTMClassifier(embedding_dim=16, hidden_size=16, batch_size=32, random_state=0,
                         tokenizer=Tokenizer(num_words=2000, maxlen=100), max_epochs=8,
                         early_stopping=True, patience=8, checkpoint_dir=ckpt,
                         callbacks=[counter]).fit(X, y)
    assert counter.epochs <= 8 - finished  # at most the interrupted epoch is redone
    assert len(clf.history_) == 8
    proba = clf.predict_proba(imdb_small[2][:50])
    assert np.allclose(proba.sum(1), 1)
    # ... and the resumed model is the one an uninterrupted training gives.
    whole = clone(clf.set_params(callbacks=None)).set_params(checkpoint_dir=None).fit(X, y)
    np.testing.assert_allclose(proba, whole.predict_proba(imdb_small[2][:50]), atol=1e-5)

    # A finished checkpoint is loaded as is: no training, the same model.
    again = EpochCounter()
    same = clone(clf.set_params(callbacks=None)).set_params(callbacks=[again]).fit(X, y)
    assert again.epochs == 0
    np.testing.assert_allclose(same.predict_proba(imdb_small[2][:50]), proba, rtol=1e-6)

    # Other data: the checkpoint is not used, and the user is told.
    with pytest.warns(UserWarning, match="other data or parameters"):
        other = clone(clf).set_params(max_epochs=1).fit(X[:200], y[:200])
    assert len(other.history_) == 1


def test_prediction_in_chunks_equals_prediction_at_once(imdb_small, monkeypatch):
    import sknlp.neural._base as base

    X, y, X_te = imdb_small[0][:200], imdb_small[1][:200], imdb_small[2][:50]
    clf = LSTMClassifier(**SMALL, max_epochs=1).fit(X, y)
    whole = clf.predict_proba(X_te)
    monkeypatch.setattr(base, "PREDICT_CHUNK", 7)  # 50 documents -> 8 chunks
    np.testing.assert_allclose(clf.predict_proba(X_te), whole, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: Tokenizer(num_words=500, maxlen=40),
    lambda: Tokenizer(analyzer="char", maxlen=60),
    lambda: BagOfWords(weighting="tfidf"),
    lambda: BagOfWords(weighting="nb"),
    lambda: NGram(ngram_range=(1, 3), min_df=2),
    lambda: Word2Vec(vector_size=8, min_count=1, pooling="tfidf", random_state=0),
    lambda: Word2Vec(vector_size=8, min_count=1, pooling="max", random_state=0),
], ids=["tokenizer", "char-tokenizer", "bow-tfidf", "bow-nb", "ngram", "w2v-tfidf", "w2v-max"])
def test_transform_in_chunks_equals_transform_at_once(make, imdb_small, monkeypatch):
    """A million documents are encoded 100,000 at a time (bounded memory); the rows must not
    depend on where the chunks fall, even when a whole chunk holds no token."""
    import sknlp.utils._validation as validation

    X, y = imdb_small[0][:150], imdb_small[1][:150]
    X_te = list(imdb_small[2][:40])
    X_te[7:14] = [""] * 7  # chunk 2 (documents 7-13) is empty
    est = make().fit(X, y)
    whole = est.transform(X_te)
    monkeypatch.setattr(validation, "TRANSFORM_CHUNK", 7)
    chunked = est.transform(X_te)
    assert type(chunked) is type(whole) and chunked.shape == whole.shape
    if hasattr(whole, "toarray"):
        chunked, whole = chunked.toarray(), whole.toarray()
    np.testing.assert_array_equal(chunked, whole)
