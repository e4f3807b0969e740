"""Checks for text-input estimators that scikit-learn's common checks cannot run.

scikit-learn's ``check_estimator`` feeds numeric arrays, which text estimators rightly
reject, and it skips most checks for estimators tagged as taking strings. The checks here
cover the same contracts with documents: each takes an estimator and a small corpus (with
labels where the estimator needs them) and raises ``AssertionError`` on failure.
"""

import pickle
import types

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError


def _output(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    if hasattr(est, "transform"):
        return est.transform(X)
    return est.predict(X)


def _n_rows(out):
    """Rows of an output: an array's first dimension, or a list's length (texts)."""
    return out.shape[0] if hasattr(out, "shape") else len(out)


def _assert_same(a, b, msg):
    if sp.issparse(a) or sp.issparse(b):
        assert a.shape == b.shape, msg
        a, b = a.toarray(), b.toarray()
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{msg}: shapes {a.shape} != {b.shape}"
    if np.issubdtype(a.dtype, np.floating):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=msg)
    else:
        np.testing.assert_array_equal(a, b, err_msg=msg)


def _seeded(est):
    """A clone with ``random_state=0`` where the estimator has one left at None."""
    est = clone(est)
    if est.get_params().get("random_state", 0) is None:
        est.set_params(random_state=0)
    return est


def _fit(est, X, y):
    return est.fit(X, y) if y is not None else est.fit(X)


def check_fit_returns_self(est, X, y=None):
    """``fit`` returns the estimator itself."""
    est = clone(est)
    assert _fit(est, X, y) is est, "fit should return self"


def check_unfitted_raises(est, X, y=None):
    """Using an unfitted estimator raises NotFittedError."""
    est = clone(est)
    for method in ("transform", "predict", "predict_proba"):
        if hasattr(est, method):
            try:
                getattr(est, method)(X)
            except NotFittedError:
                continue
            raise AssertionError(f"{method} before fit should raise NotFittedError")


def check_params_not_changed_by_fit(est, X, y=None):
    """``fit`` leaves the constructor parameters exactly as they were."""
    est = clone(est)
    before = {k: pickle.dumps(v) for k, v in est.get_params(deep=False).items()}
    _fit(est, X, y)
    after = {k: pickle.dumps(v) for k, v in est.get_params(deep=False).items()}
    changed = [k for k in before if before[k] != after[k]]
    assert not changed, f"fit changed the parameters {changed}"


def check_no_fitted_attributes_before_fit(est, X, y=None):
    """A fresh estimator holds no fitted (trailing underscore) attributes."""
    fitted = [k for k in vars(clone(est)) if k.endswith("_") and not k.startswith("__")]
    assert not fitted, f"unfitted estimator already has fitted attributes {fitted}"


def check_fit_idempotent(est, X, y=None):
    """Fitting twice on the same data gives the same outputs (seeded if random)."""
    est = _seeded(est)
    a = _output(_fit(est, X, y), X)
    b = _output(_fit(est, X, y), X)
    _assert_same(a, b, "refitting on the same data changed the output")


def check_clone_unfitted_equal(est, X, y=None):
    """A clone of a fitted estimator is unfitted and has the same parameters."""
    fitted = _fit(clone(est), X, y)
    c = clone(fitted)
    assert c.get_params().keys() == fitted.get_params().keys()
    for k, v in fitted.get_params(deep=False).items():
        assert pickle.dumps(c.get_params(deep=False)[k]) == pickle.dumps(v), k
    check_unfitted_raises(c, X, y)


def check_pickle_roundtrip(est, X, y=None):
    """A pickled and unpickled fitted estimator gives identical outputs."""
    est = _fit(clone(est), X, y)
    restored = pickle.loads(pickle.dumps(est))
    _assert_same(_output(est, X), _output(restored, X), "pickling changed the output")


def check_random_state_determinism(est, X, y=None):
    """The same ``random_state`` gives the same outputs (estimators that have one)."""
    if "random_state" not in est.get_params():
        return
    a = _output(_fit(clone(est).set_params(random_state=0), X, y), X)
    b = _output(_fit(clone(est).set_params(random_state=0), X, y), X)
    _assert_same(a, b, "the same random_state gave different outputs")


def check_rejects_bare_string(est, X, y=None):
    """A single ``str`` passed as ``X`` is a TypeError, not a sequence of characters."""
    est = clone(est)
    try:
        _fit(est, "a single document, not a list", None if y is None else y[:1])
    except TypeError as exc:
        assert "str" in str(exc), f"the message should name the str type: {exc}"
        return
    raise AssertionError("fit accepted a bare str as X")


def check_container_types(est, X, y=None):
    """Lists, numpy arrays, pandas Series and generators give the same outputs."""
    import pandas as pd

    est = _fit(_seeded(est), X, y)
    expected = _output(est, list(X))
    for kind, container in [("ndarray", np.asarray(X, dtype=object)),
                            ("Series", pd.Series(list(X))),
                            ("generator", (d for d in X))]:
        if kind == "generator" and not hasattr(est, "transform"):
            continue
        _assert_same(expected, _output(est, container), f"{kind} input changed the output")
    fitted_on_series = _fit(clone(est), pd.Series(list(X)), y)
    _assert_same(expected, _output(fitted_on_series, list(X)),
                 "fitting on a Series changed the output")


def check_missing_document_rejected(est, X, y=None):
    """``None`` and NaN documents are a ValueError naming the position."""
    for missing in (None, float("nan")):
        bad = list(X)
        bad[1] = missing
        try:
            _fit(clone(est), bad, y)
        except ValueError as exc:
            assert "document 1" in str(exc), f"the message should name the document: {exc}"
            continue
        raise AssertionError(f"fit accepted a {missing!r} document")


def check_empty_documents_at_transform(est, X, y=None):
    """Empty and unknown-only documents transform to rows without errors."""
    est = _fit(clone(est), X, y)
    out = _output(est, ["", "zzqxj qqzzv"])
    assert _n_rows(out) == 2


def check_unicode_and_large_documents(est, X, y=None):
    """Emoji, CJK, right-to-left scripts, control characters and a 1 MB document work."""
    est = _fit(_seeded(est), X, y)
    odd = ["great 😀👍 film", "东京 很好看", "مرحبا بالعالم", "tab\tand\x00nul\u200bzero",
           ("the film " * 110_000)[:1_000_000]]
    out = _output(est, odd)
    assert _n_rows(out) == len(odd)
    dense = out.toarray() if sp.issparse(out) else np.asarray(out)
    if np.issubdtype(dense.dtype, np.floating):
        assert not np.isnan(dense).any(), "NaN in the output"


def check_length_mismatch(est, X, y=None):
    """``X`` and ``y`` of different lengths are a ValueError (supervised estimators)."""
    if y is None:
        return
    try:
        clone(est).fit(X, y[:-1])
    except ValueError:
        return
    raise AssertionError("fit accepted X and y of different lengths")


def check_feature_names_out(est, X, y=None):
    """``get_feature_names_out`` names every output column."""
    est = _fit(clone(est), X, y)
    if not hasattr(est, "get_feature_names_out") or not hasattr(est, "transform"):
        return
    try:
        names = est.get_feature_names_out()
    except AttributeError:  # e.g. id-sequence outputs have no named columns
        return
    assert len(names) == est.transform(X[:3]).shape[1]
    assert len(set(names)) == len(names), "feature names are not unique"


CHECKS = [
    check_fit_returns_self,
    check_unfitted_raises,
    check_params_not_changed_by_fit,
    check_no_fitted_attributes_before_fit,
    check_fit_idempotent,
    check_clone_unfitted_equal,
    check_pickle_roundtrip,
    check_random_state_determinism,
    check_rejects_bare_string,
    check_container_types,
    check_missing_document_rejected,
    check_empty_documents_at_transform,
    check_unicode_and_large_documents,
    check_length_mismatch,
    check_feature_names_out,
]


def text_estimator_checks():
    """The checks above, as ``(name, function)`` pairs for ``pytest.mark.parametrize``."""
    return [(c.__name__, c) for c in CHECKS if isinstance(c, types.FunctionType)]
