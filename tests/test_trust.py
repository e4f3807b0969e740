"""Model files and training state a user can trust: crafted files are refused with one error
type before anything is built from them, saves never destroy the file they replace, every
fitted estimator pickles, and a resumed training is the training that was interrupted."""

import io
import json
import os
import pickle
import resource
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import check_is_fitted
from test_common import ESTIMATORS, INIT_PARAMS, inputs_for, targets_for
from test_reliability import EpochCounter

import sknlp
from sknlp import ModelFileError, UntrustedTypeError
from sknlp.embeddings import Word2Vec
from sknlp.neural import LSTMClassifier, TrainingDiverged, TransformerClassifier
from sknlp.preprocessing import BagOfWords, NGram, Tokenizer

NEURAL = {"LSTMClassifier", "TransformerClassifier", "DistilledClassifier"}
# Every configuration of the common table, and for the neural ones the training options
# that add callbacks (early stopping, schedules, checkpoints): all must pickle and save.
TRAINING_OPTIONS = [{"early_stopping": True, "lr_schedule": "cosine"},
                    {"early_stopping": True, "scoring": "accuracy", "checkpoint_dir": "CKPT"}]


def _configs():
    for name, _ in ESTIMATORS:
        for i, params in enumerate(INIT_PARAMS[name]):
            yield pytest.param(name, params, id=f"{name}-{i}")
            if name in NEURAL - {"DistilledClassifier"}:
                for j, extra in enumerate(TRAINING_OPTIONS):
                    yield pytest.param(name, {**params, **extra}, id=f"{name}-{i}-train{j}")
            if name in ("Seq2Seq", "LanguageModel"):
                yield pytest.param(name, {**params, "early_stopping": True,
                                          "checkpoint_dir": "CKPT"}, id=f"{name}-{i}-train")


def _outputs(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    if not hasattr(model, "transform"):  # text-to-text: the texts written
        return np.asarray(model.predict(X))
    out = model.transform(X)
    return out.toarray() if hasattr(out, "toarray") else np.asarray(out)


@pytest.mark.parametrize("name,params", list(_configs()))
def test_every_fitted_configuration_pickles_and_saves(name, params, imdb_small, tmp_path):
    cls = dict(ESTIMATORS)[name]
    if params.get("checkpoint_dir") == "CKPT":
        params = {**params, "checkpoint_dir": tmp_path / "ckpt"}
    est = cls(**params)
    X, y, X_te = imdb_small[0][:120], imdb_small[1][:120], imdb_small[2][:30]
    X, X_te = inputs_for(est, X), inputs_for(est, X_te)
    y = targets_for(name, est, X, y)
    est = est.fit(X, y) if y is not None else est.fit(X)
    expected = _outputs(est, X_te)
    np.testing.assert_array_equal(_outputs(pickle.loads(pickle.dumps(est)), X_te), expected)
    sknlp.save(est, tmp_path / "m.sknlp")
    np.testing.assert_array_equal(_outputs(sknlp.load(tmp_path / "m.sknlp"), X_te), expected)


# -- crafted files --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lstm_file(imdb_small, tmp_path_factory):
    clf = LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0,
                         tokenizer=Tokenizer(num_words=300, maxlen=40))
    clf.fit(imdb_small[0][:100], imdb_small[1][:100])
    path = tmp_path_factory.mktemp("files") / "lstm.sknlp"
    sknlp.save(clf, path)
    return path


@pytest.fixture(scope="module")
def bow_file(imdb_small, tmp_path_factory):
    model = make_pipeline(BagOfWords(weighting="nb"), LogisticRegression())
    model.fit(imdb_small[0][:100], imdb_small[1][:100])
    path = tmp_path_factory.mktemp("files") / "bow.sknlp"
    sknlp.save(model, path)
    return path


def _rewrite(src, dst, edit_manifest=None, edit_member=None):
    """Copy a model file, editing its manifest (a dict) or any member (name, bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "model.json" and edit_manifest:
                manifest = json.loads(data)
                edit_manifest(manifest)
                data = json.dumps(manifest).encode()
            elif edit_member:
                data = edit_member(item.filename, data)
            zout.writestr(item.filename, data)
    return dst


def _find(node, test):
    """Every dict in a JSON tree for which ``test`` holds."""
    found = []
    if isinstance(node, dict):
        if test(node):
            found.append(node)
        for v in node.values():
            found.extend(_find(v, test))
    elif isinstance(node, list):
        for v in node:
            found.extend(_find(v, test))
    return found


def _attr(manifest, owner, name):
    """The ``[name, value]`` entry of an estimator's attributes in the manifest."""
    for est in _find(manifest["model"], lambda n: n.get("__estimator__", "").endswith(owner)):
        for entry in est["attrs"]["__dict__"]:
            if entry[0] == name:
                return entry
    raise KeyError(name)


def _add_arrays(path, arrays):
    with zipfile.ZipFile(path, "a") as z:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.save(buf, arr)
            z.writestr(name, buf.getvalue())


def test_sparse_matrix_with_indices_out_of_range_is_refused(bow_file, tmp_path):
    # Plant a sparse attribute whose column index points far outside its shape: used, it
    # would make scipy's compiled code write out of bounds.
    def edit(m):
        _attr(m, "BagOfWords", "n_documents_")[1] = {
            "__sparse__": "csr", "data": "arrays/d.npy", "indices": "arrays/i.npy",
            "indptr": "arrays/p.npy", "shape": [1, 3]}

    path = _rewrite(bow_file, tmp_path / "bad.sknlp", edit)
    _add_arrays(path, {"arrays/d.npy": np.array([1.0]),
                       "arrays/i.npy": np.array([10**6], np.int32),
                       "arrays/p.npy": np.array([0, 1], np.int32)})
    with pytest.raises(ModelFileError, match="indices must be < 3"):
        sknlp.load(path)


def test_a_compressed_member_that_expands_without_limit_is_refused(bow_file, tmp_path):
    path = tmp_path / "bomb.sknlp"
    with zipfile.ZipFile(bow_file) as zin, zipfile.ZipFile(path, "w",
                                                             zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        with zout.open("arrays/bomb.npy", "w") as f:
            chunk = bytes(2**20)
            for _ in range(300):  # 300 MB of zeros in about 300 KB
                f.write(chunk)
    assert path.stat().st_size < 2 * 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError, match="declares .* bytes .*refused"):
        sknlp.load(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB


def test_an_array_header_larger_than_its_data_is_refused(lstm_file, tmp_path):
    def edit_member(name, data):
        if b"<f4" in data[:128]:  # a float array: declare a billion rows, keep the data
            buf = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                buf, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 8)})
            return buf.getvalue() + data[len(buf.getvalue()):]
        return data

    with pytest.raises(ModelFileError, match="declares shape"):
        sknlp.load(_rewrite(lstm_file, tmp_path / "big.sknlp", edit_member=edit_member))


def _set_module_kwarg(name, value):
    """An edit of the LSTM file that gives one of its network's saved arguments a value."""
    def edit(m):
        net = _attr(m, "LSTMClassifier", "__net__")[1]
        for entry in net["__dict__"]:
            if entry[0] == "module_kwargs":
                for kv in entry[1]["__dict__"]:
                    if kv[0] == name:
                        kv[1] = value
    return edit


def test_a_huge_declared_vocabulary_allocates_nothing(lstm_file, tmp_path):
    edit = _set_module_kwarg("vocab_size", 60_000_000)  # 60 M x 8 floats: 2 GB if built
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError, match="do not match its network"):
        sknlp.load(_rewrite(lstm_file, tmp_path / "vocab.sknlp", edit))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB


def test_a_huge_declared_layer_count_builds_nothing(lstm_file, tmp_path):
    edit = _set_module_kwarg("num_layers", 50_000_000)  # even on meta: hours of modules
    with pytest.raises(ModelFileError, match="more layers or members than its"):
        sknlp.load(_rewrite(lstm_file, tmp_path / "layers.sknlp", edit))


def test_weights_that_do_not_fit_the_network_are_refused(lstm_file, tmp_path):
    def edit(m):
        _attr(m, "LSTMClassifier", "vocab_size_")[1] = 10**6

    with pytest.raises(ModelFileError, match="vocab_size_=1000000"):
        sknlp.load(_rewrite(lstm_file, tmp_path / "size.sknlp", edit))


def test_an_inconsistent_tokenizer_is_refused(lstm_file, tmp_path):
    def edit(m):
        _attr(m, "Tokenizer", "vocab_size_")[1] = 5000  # its tables hold fewer ids

    with pytest.raises(ModelFileError, match="Tokenizer's vocabulary"):
        sknlp.load(_rewrite(lstm_file, tmp_path / "tok.sknlp", edit))


def test_no_module_is_imported_for_a_class_that_is_not_allowed(bow_file, tmp_path):
    module = "sklearn.experimental.enable_halving_search_cv"  # importing it has effects

    def edit(m):
        m["model"]["__estimator__"] = f"{module}.HalvingGridSearchCV"

    path = _rewrite(bow_file, tmp_path / "imp.sknlp", edit)
    # In a fresh interpreter: this one may have imported the module for other reasons.
    script = ("import sys, sknlp\n"
              "try:\n    sknlp.load(sys.argv[1])\n"
              "except sknlp.UntrustedTypeError as e:\n    print('refused:', e)\n"
              f"print('imported' if {module!r} in sys.modules else 'not imported')\n")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert "refused:" in out and "not trusted" in out and out.endswith("not imported\n")
    for path in ["sknlp.zoo.ModelSpec", "sknlp._persist.Codec", "sklearn.base.BaseEstimator",
                 "os.system", "builtins.eval"]:
        with pytest.raises(UntrustedTypeError):
            sknlp.load(_rewrite(bow_file, tmp_path / "x.sknlp",
                                lambda m, p=path: m["model"].update(__estimator__=p)))


@pytest.mark.parametrize("tree,match", [
    (42, "not an estimator"),
    ({"__list__": []}, "not an estimator"),
    ({"__list__": 5}, "not a list"),
    ({"__dict__": [[1]]}, "pair"),
    ({"__ndarray__": "arrays/999.npy"}, "no array member"),
    ({"__ndarray__": "../../etc/passwd"}, "no array member"),
    ({"__float__": "__import__('os')"}, "non-finite float"),
    ({"__dtype__": "O"}, "not allowed"),
    ({"__nosuchtag__": 1}, "unknown tag"),
    ({"__estimator__": "sklearn.pipeline.Pipeline", "attrs": 5}, "not a dict"),
    ({"__randomstate__": {"__tuple__": ["MT19937"]}}, "malformed"),
    ({"__tensor__": {"array": "arrays/0.npy", "dtype": "object"}}, "tensor dtype"),
])
def test_malformed_trees_give_one_error_type(bow_file, tmp_path, tree, match):
    path = _rewrite(bow_file, tmp_path / "t.sknlp", lambda m: m.update(model=tree))
    with pytest.raises(ModelFileError, match=match):
        sknlp.load(path)


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deep_nesting_is_a_model_file_error_not_a_recursion_error(tmp_path, depth):
    tree = '{"__list__": [' * depth + "1" + "]}" * depth
    with zipfile.ZipFile(tmp_path / "deep.sknlp", "w") as z:
        z.writestr("model.json", '{"format": "sknlp-model", "format_version": 1, "model": '
                   + tree + "}")
    with pytest.raises(ModelFileError, match="nested deeper|corrupt"):
        sknlp.load(tmp_path / "deep.sknlp")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04", b"\x80\x04\x95 pickle"])
def test_empty_and_foreign_files_are_model_file_errors(tmp_path, content):
    (tmp_path / "f.sknlp").write_bytes(content)
    with pytest.raises(ModelFileError):
        sknlp.load(tmp_path / "f.sknlp")


def test_files_of_the_first_format_still_load(imdb_small, tmp_path):
    """Tensors and word vectors were stored in another layout before codecs: such files,
    rebuilt here by rewriting a new one, load with the same predictions."""
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    w2v = Word2Vec(vector_size=8, min_count=1, epochs=1, random_state=0)
    clf = LSTMClassifier(tokenizer=Tokenizer(num_words=300, maxlen=40), embeddings=w2v,
                         embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0).fit(X, y)
    sknlp.save(clf, tmp_path / "new.sknlp")
    with zipfile.ZipFile(tmp_path / "new.sknlp") as z:
        arrays = {n: z.read(n) for n in z.namelist() if n != "model.json"}

    def old_layout(m):
        for node in _find(m, lambda n: "__tensor__" in n):
            value = node["__tensor__"]
            node.clear()
            node.update({"__tensor__": value["array"], "dtype": value["dtype"]})
        for node in _find(m, lambda n: "__keyedvectors__" in n):
            value = node["__keyedvectors__"]
            keys = np.load(io.BytesIO(arrays[value["keys"]])).tolist()
            node.clear()
            node.update({"__keyedvectors__": value["vectors"], "keys": {"__list__": keys}})

    old = _rewrite(tmp_path / "new.sknlp", tmp_path / "old.sknlp", old_layout)
    np.testing.assert_array_equal(sknlp.load(old).predict_proba(X[:20]), clf.predict_proba(X[:20]))
    assert np.allclose(sknlp.load(old).embeddings_.wv_.vectors, clf.embeddings_.wv_.vectors)


# -- saves that never destroy what they replace ---------------------------------------------


@pytest.mark.parametrize("fault", [OSError(28, "No space left on device"), KeyboardInterrupt])
def test_a_failed_save_leaves_the_previous_file_loadable(imdb_small, tmp_path, monkeypatch,
                                                         fault):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    old = make_pipeline(BagOfWords(), LogisticRegression()).fit(X, y)
    sknlp.save(old, tmp_path / "m.sknlp")
    new = make_pipeline(NGram(), LogisticRegression()).fit(X, y)
    calls = []

    def failing_save(file, arr, **kwargs):  # dies after writing part of the archive
        calls.append(1)
        if len(calls) == 3:
            raise fault
        return real_save(file, arr, **kwargs)

    real_save = np.save
    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(type(fault) if isinstance(fault, Exception) else fault):
        sknlp.save(new, tmp_path / "m.sknlp")
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["m.sknlp"]  # no stray temporary file
    np.testing.assert_array_equal(sknlp.load(tmp_path / "m.sknlp").predict_proba(X[:10]),
                                  old.predict_proba(X[:10]))


def test_a_save_to_a_missing_folder_fails_before_writing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sknlp.save(Tokenizer(), tmp_path / "no" / "m.sknlp")
    with pytest.raises(TypeError, match="estimators"):
        sknlp.save({"a": 1}, tmp_path / "m.sknlp")


# -- checkpoints ----------------------------------------------------------------------------

SMALL = dict(embedding_dim=8, hidden_size=8, batch_size=32, random_state=0,
             tokenizer=Tokenizer(num_words=1000, maxlen=60))


def test_a_bad_checkpoint_dir_fails_before_training(imdb_small, tmp_path):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    (tmp_path / "file").write_text("not a folder")
    counter = EpochCounter()
    with pytest.raises(OSError, match="checkpoint_dir=.*cannot hold checkpoints"):
        LSTMClassifier(**SMALL, max_epochs=2, checkpoint_dir=tmp_path / "file" / "ckpt",
                       callbacks=[counter]).fit(X, y)
    assert not hasattr(counter, "epochs") or counter.epochs == 0
    assert sorted(os.listdir(tmp_path)) == ["file"]


def test_a_warm_start_refit_does_not_pass_for_the_first_fit(imdb_small, tmp_path):
    X, y = imdb_small[0][:150], imdb_small[1][:150]
    params = dict(**SMALL, max_epochs=1, checkpoint_dir=tmp_path / "ckpt")
    first = LSTMClassifier(**params).fit(X, y)
    first.set_params(warm_start=True).fit(X, y)  # trains on; the checkpoint holds epoch 2
    counter = EpochCounter()
    with pytest.warns(UserWarning, match="other data or parameters"):
        fresh = LSTMClassifier(**params, callbacks=[counter]).fit(X, y)
    assert counter.epochs == 1 and len(fresh.history_) == 1  # trained, not the stale model


def test_different_vectors_with_equal_parameters_do_not_share_a_checkpoint(imdb_small,
                                                                           tmp_path):
    X, y = imdb_small[0][:150], imdb_small[1][:150]
    w2v = dict(vector_size=8, min_count=1, epochs=1, random_state=0)
    a = Word2Vec(**w2v).fit(X[:75])
    b = Word2Vec(**w2v).fit(X[75:])
    assert repr(a) == repr(b)
    params = dict(**SMALL, max_epochs=1, checkpoint_dir=tmp_path / "ckpt")
    LSTMClassifier(**params, embeddings=a).fit(X, y)
    counter = EpochCounter()
    with pytest.warns(UserWarning, match="other data or parameters"):
        LSTMClassifier(**params, embeddings=b, callbacks=[counter]).fit(X, y)
    assert counter.epochs == 1


def test_a_loaded_model_trains_on_with_a_schedule(imdb_small, tmp_path):
    X, y = imdb_small[0][:150], imdb_small[1][:150]
    clf = LSTMClassifier(**SMALL, max_epochs=1, lr_schedule="linear").fit(X, y)
    sknlp.save(clf, tmp_path / "m.sknlp")
    loaded = sknlp.load(tmp_path / "m.sknlp").set_params(warm_start=True, max_epochs=2)
    before = {k: v.clone() for k, v in loaded.net_.module_.state_dict().items()}
    loaded.fit(X, y)
    assert len(loaded.history_) == 3
    changed = [k for k, v in loaded.net_.module_.state_dict().items()
               if not torch.equal(v, before[k])]
    assert changed, "warm_start after loading did not train (learning rate stuck at 0?)"


# -- labels and failures --------------------------------------------------------------------


@pytest.mark.parametrize("bad", [
    [0.5, 1.5, 2.5, 0.25] * 10,  # continuous
    [0, 1, np.nan, 1] * 10,
    ["pos", None, "neg", "pos"] * 10,
    [0, 1, np.inf, 1] * 10,
], ids=["continuous", "nan", "none", "inf"])
@pytest.mark.parametrize("cls", [LSTMClassifier, TransformerClassifier])
def test_labels_are_checked_as_scikit_learn_checks_them(cls, bad, imdb_small):
    X = imdb_small[0][:40]
    est = cls(max_epochs=1, tokenizer=Tokenizer(num_words=200, maxlen=20))
    with pytest.raises(ValueError, match="(?i)unknown label type|nan|missing|infinity"):
        est.fit(X, bad)
    with pytest.raises((ValueError, TypeError)):
        LogisticRegression().fit(np.ones((40, 1)), bad)  # scikit-learn refuses them too


def test_class_weight_keys_must_name_classes(imdb_small):
    X, y = imdb_small[0][:40], np.array(["neg", "pos"])[imdb_small[1][:40]]
    with pytest.raises(ValueError, match=r"class_weight names \['positive'\]"):
        LSTMClassifier(**SMALL, max_epochs=1, class_weight={"positive": 2.0}).fit(X, y)


def test_a_diverged_model_is_not_fitted(imdb_small):
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    clf = LSTMClassifier(**{**SMALL, "max_epochs": 5}, optimizer="sgd", lr=1e30,
                         grad_clip=None, lr_schedule=None)
    with pytest.raises(TrainingDiverged):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    with pytest.raises(NotFittedError):
        clf.predict_proba(X[:2])


def test_parameter_and_id_errors_are_clear(imdb_small):
    X, y = imdb_small[0][:40], imdb_small[1][:40]
    with pytest.raises(ValueError, match="n_heads=3 must divide d_model=16"):
        TransformerClassifier(d_model=16, n_heads=3).fit(X, y)
    ids = np.full((40, 5), 2**64 - 5, dtype=np.uint64)
    with pytest.raises(ValueError, match="beyond any vocabulary"):
        LSTMClassifier(**{**SMALL, "tokenizer": None}, max_epochs=1).fit(ids, y)


def test_clone_of_a_fitted_model_is_independent(imdb_small):
    X, y = imdb_small[0][:60], imdb_small[1][:60]
    clf = LSTMClassifier(**SMALL, max_epochs=1, early_stopping=True).fit(X, y)
    assert not hasattr(clone(clf), "net_")


def test_custom_callbacks_are_left_out_of_a_saved_model_with_a_warning(imdb_small, tmp_path):
    X, y = imdb_small[0][:60], imdb_small[1][:60]
    clf = LSTMClassifier(**SMALL, max_epochs=1, callbacks=[EpochCounter()]).fit(X, y)
    with pytest.warns(UserWarning, match=r"callbacks \(EpochCounter\) are not saved"):
        sknlp.save(clf, tmp_path / "m.sknlp")
    loaded = sknlp.load(tmp_path / "m.sknlp")
    assert loaded.callbacks is None
    np.testing.assert_array_equal(loaded.predict_proba(X[:10]), clf.predict_proba(X[:10]))
    assert pickle.loads(pickle.dumps(clf)).callbacks[0].epochs == 1  # pickle keeps them


def test_a_fitted_models_callbacks_keep_no_copies_of_its_weights(imdb_small):
    """Copies left in callbacks (weights, or the optimizer through a finished scheduler)
    double a model's pickle, and on a GPU they stopped it from unpickling on a CPU-only
    machine (seen with benchmarks/check_cuda.py)."""
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    for scoring in ("loss", "accuracy"):
        clf = LSTMClassifier(**SMALL, max_epochs=2, early_stopping=True,
                             scoring=scoring).fit(X, y)
        weights = len(pickle.dumps(clf.net_.module_.state_dict()))
        held = {name: len(pickle.dumps(cb)) for name, cb in clf.net_.callbacks_}
        assert all(size < weights / 4 for size in held.values()), (weights, held)


def test_a_saved_file_gets_the_permissions_of_a_plain_write(tmp_path):
    """The temporary file of an atomic save is private (0600); the model file it becomes
    must be readable as any other file the user writes, or sharing it breaks."""
    umask = os.umask(0o022)
    try:
        sknlp.save(Tokenizer().fit(["a b"]), tmp_path / "m.sknlp")
        (tmp_path / "plain").write_text("x")
    finally:
        os.umask(umask)
    assert (tmp_path / "m.sknlp").stat().st_mode & 0o777 == \
        (tmp_path / "plain").stat().st_mode & 0o777 == 0o644


class _RunsCode:
    """What a hostile pickle holds: an object whose unpickling runs a command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("suffix", [".kv", ".model"])
@pytest.mark.parametrize("kind", ["Word2Vec", "FastText"])
def test_pretrained_gensim_pickles_are_refused_unread(kind, suffix, tmp_path):
    import sknlp.embeddings

    marker = tmp_path / "ran"
    path = tmp_path / f"vectors{suffix}"
    path.write_bytes(pickle.dumps(_RunsCode(str(marker))))
    est = getattr(sknlp.embeddings, kind)(pretrained=path)
    with pytest.raises(ValueError, match=r"is a gensim file, which is a pickle.*\.load\(path\)"):
        est.fit(["a film"])
    assert not marker.exists()
