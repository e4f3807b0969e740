"""sknlp.save / sknlp.load: round trips, and files that must be refused without running
anything from them."""

import json
import pickle
import sys
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from test_common import ESTIMATORS, INIT_PARAMS, inputs_for, targets_for

import sknlp
from sknlp.embeddings import Word2Vec
from sknlp.neural import DistilledClassifier, LSTMClassifier, TransformerClassifier
from sknlp.preprocessing import BagOfWords, NGram, Tokenizer


def _outputs(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    if not hasattr(model, "transform"):  # text-to-text: the texts written
        return np.asarray(model.predict(X))
    out = model.transform(X)
    return out.toarray() if hasattr(out, "toarray") else np.asarray(out)


CONFIGS = [pytest.param(cls(**params), id=f"{name}-{i}")
           for name, cls in ESTIMATORS for i, params in enumerate(INIT_PARAMS[name])]
PIPELINES = {
    "ngram+lr": lambda: make_pipeline(NGram(ngram_range=(1, 2), weighting="nb"),
                                      LogisticRegression()),
    "w2v+lr": lambda: make_pipeline(Word2Vec(vector_size=8, min_count=1, random_state=0),
                                    LogisticRegression()),
    "tokenizer+lstm": lambda: make_pipeline(Tokenizer(num_words=500, maxlen=60),
                                            LSTMClassifier(embedding_dim=8, hidden_size=8,
                                                           max_epochs=1, random_state=0)),
}


def _fit(model, X, y):
    if not hasattr(model, "steps"):
        y = targets_for(type(model).__name__, model, X, y)
    return model.fit(X, y) if y is not None else model.fit(X)


@pytest.mark.parametrize("model", CONFIGS + [pytest.param(f(), id=k)
                                             for k, f in PIPELINES.items()])
def test_round_trip_gives_identical_outputs(model, imdb_small, tmp_path):
    X, y, X_te = imdb_small[0][:120], imdb_small[1][:120], imdb_small[2][:40]
    if not hasattr(model, "steps"):
        X, X_te = inputs_for(model, X), inputs_for(model, X_te)
    fitted = _fit(clone(model), X, y)
    sknlp.save(fitted, tmp_path / "m.sknlp")
    loaded = sknlp.load(tmp_path / "m.sknlp")
    assert type(loaded) is type(fitted)
    assert repr(loaded.get_params()) == repr(fitted.get_params())
    np.testing.assert_array_equal(_outputs(loaded, X_te), _outputs(fitted, X_te))
    if is_classifier(fitted):
        np.testing.assert_array_equal(loaded.classes_, fitted.classes_)


def test_frozen_teacher_and_distilled_student_round_trip(imdb_small, tmp_path):
    X, y = imdb_small[0][:150], imdb_small[1][:150]
    teacher = make_pipeline(BagOfWords(), LogisticRegression()).fit(X, y)
    dist = DistilledClassifier(teacher=FrozenEstimator(teacher),
                               student=LSTMClassifier(embedding_dim=8, hidden_size=8,
                                                      max_epochs=1),
                               random_state=0).fit(X, y)
    sknlp.save(dist, tmp_path / "d.sknlp")
    loaded = sknlp.load(tmp_path / "d.sknlp")
    np.testing.assert_array_equal(loaded.predict_proba(X[:30]), dist.predict_proba(X[:30]))
    np.testing.assert_array_equal(loaded.teacher_.predict_proba(X[:30]),
                                  teacher.predict_proba(X[:30]))
    assert len(loaded.student_.history_) == 1


def test_vectors_the_model_holds_twice_are_written_once(imdb_small, tmp_path):
    X, y = imdb_small[0][:150], imdb_small[1][:150]
    w2v = Word2Vec(vector_size=16, min_count=1, epochs=1, random_state=0).fit(X)
    clf = LSTMClassifier(embeddings=w2v, embedding_dim=16, hidden_size=8, max_epochs=1,
                         random_state=0).fit(X, y)
    assert clf.embeddings_ is clf.embeddings  # a fitted Word2Vec is used as it is
    sknlp.save(w2v, tmp_path / "w.sknlp")
    sknlp.save(clf, tmp_path / "c.sknlp")
    vectors = (tmp_path / "w.sknlp").stat().st_size
    without = clone(clf)  # the same classifier holding the vectors once, as embeddings_
    without.__dict__.update({k: v for k, v in vars(clf).items() if k.endswith("_")})
    without.set_params(embeddings=None)
    sknlp.save(without, tmp_path / "once.sknlp")
    # Written twice, the vectors' arrays would add the whole Word2Vec file again; only its
    # word list (plain data, about a tenth here) is repeated.
    assert (tmp_path / "c.sknlp").stat().st_size < (tmp_path / "once.sknlp").stat().st_size \
        + 0.25 * vectors
    loaded = sknlp.load(tmp_path / "c.sknlp")
    np.testing.assert_array_equal(loaded.embeddings.wv_.vectors, w2v.wv_.vectors)
    np.testing.assert_array_equal(loaded.embeddings_.wv_.vectors, w2v.wv_.vectors)
    np.testing.assert_array_equal(loaded.predict_proba(X[:20]), clf.predict_proba(X[:20]))


def test_word2vec_started_transformer_reads_its_vectors_at_the_same_scale_after_load(
        imdb_small, tmp_path):
    # Its table holds the vectors at their own scale (not multiplied by sqrt(d_model) as a
    # random table is); rebuilt on load without the vectors, the model once multiplied
    # them and predicted otherwise.
    X, y = imdb_small[0][:200], imdb_small[1][:200]
    w2v = Word2Vec(vector_size=16, min_count=1, epochs=1, random_state=0).fit(X)
    clf = TransformerClassifier(embeddings=w2v, d_model=16, n_heads=2, n_layers=1,
                                dim_feedforward=16, max_epochs=1, random_state=0,
                                n_jobs=1).fit(X, y)
    sknlp.save(clf, tmp_path / "t.sknlp")
    loaded = sknlp.load(tmp_path / "t.sknlp")
    assert loaded.net_.module_.embedding_scale == clf.net_.module_.embedding_scale == 1.0
    np.testing.assert_array_equal(loaded.predict_proba(X[:30]), clf.predict_proba(X[:30]))


def _rewrite_manifest(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "model.json":
                manifest = json.loads(data)
                edit(manifest)
                data = json.dumps(manifest)
            zout.writestr(item.filename, data)


@pytest.fixture()
def saved(imdb_small, tmp_path):
    model = make_pipeline(BagOfWords(), LogisticRegression())
    model.fit(imdb_small[0][:100], imdb_small[1][:100])
    sknlp.save(model, tmp_path / "ok.sknlp")
    return tmp_path / "ok.sknlp"


def test_a_file_from_a_newer_format_is_refused(saved, tmp_path):
    _rewrite_manifest(saved, tmp_path / "new.sknlp",
                      lambda m: m.update(format_version=99, sknlp_version="9.0"))
    with pytest.raises(ValueError, match="format 99 by sknlp 9.0.*Upgrade sknlp"):
        sknlp.load(tmp_path / "new.sknlp")


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_a_truncated_file_is_refused(saved, tmp_path, keep):
    data = saved.read_bytes()
    (tmp_path / "cut.sknlp").write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match="truncated|not an sknlp model file"):
        sknlp.load(tmp_path / "cut.sknlp")


def test_an_untrusted_type_is_refused_before_anything_is_imported(saved, tmp_path):
    def plant(manifest):
        steps = manifest["model"]["attrs"]["__dict__"]
        # replace the classifier by a class of a module nobody has imported
        for key, value in steps:
            if key == "steps":
                value["__list__"][1]["__tuple__"][1]["__estimator__"] = "antigravity.Fly"

    _rewrite_manifest(saved, tmp_path / "evil.sknlp", plant)
    assert "antigravity" not in sys.modules
    with pytest.raises(sknlp.UntrustedTypeError, match="antigravity.Fly.*not trusted"):
        sknlp.load(tmp_path / "evil.sknlp")
    assert "antigravity" not in sys.modules  # its code never ran

    _rewrite_manifest(saved, tmp_path / "evil2.sknlp", lambda m: m.update(
        model={"__estimator__": "sklearn.utils.deprecated", "attrs": {"__dict__": []}}))
    with pytest.raises(sknlp.UntrustedTypeError, match="not an estimator class"):
        sknlp.load(tmp_path / "evil2.sknlp")


def test_what_cannot_be_saved_safely_is_named(tmp_path, imdb_small):
    model = make_pipeline(FunctionTransformer(lambda X: X), BagOfWords())
    with pytest.raises(sknlp.UntrustedTypeError, match=r"model.*function.*joblib"):
        sknlp.save(model, tmp_path / "f.sknlp")
    with pytest.raises(ValueError, match="not an sknlp model file"):
        (tmp_path / "text.sknlp").write_text("hello")
        sknlp.load(tmp_path / "text.sknlp")


def _as_before_ngram_range(model, part=None):
    """A pickled copy without ``ngram_range``, as releases before that option saved it."""
    old = pickle.loads(pickle.dumps(model))
    del (getattr(old, part) if part else old).__dict__["ngram_range"]
    return old


def test_objects_pickled_before_ngram_range_existed_still_work(imdb_small):
    X, y, X_te = imdb_small[0][:80], imdb_small[1][:80], imdb_small[2][:20]
    tok = Tokenizer(num_words=300).fit(X)
    np.testing.assert_array_equal(_as_before_ngram_range(tok).transform(X_te), tok.transform(X_te))
    w2v = Word2Vec(vector_size=8, min_count=1, epochs=1, random_state=0).fit(X)
    old_w2v = _as_before_ngram_range(w2v)
    np.testing.assert_array_equal(old_w2v.transform(X_te), w2v.transform(X_te))

    def lstm(vectors):
        return LSTMClassifier(tokenizer=Tokenizer(num_words=300, maxlen=40), embeddings=vectors,
                              embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ngram_range mismatch warning for old vectors
        from_old = lstm(old_w2v).fit(X, y)
    expected = lstm(w2v).fit(X, y).predict_proba(X_te)
    np.testing.assert_array_equal(from_old.predict_proba(X_te), expected)
    np.testing.assert_array_equal(
        _as_before_ngram_range(from_old, "tokenizer_").predict_proba(X_te), expected)
