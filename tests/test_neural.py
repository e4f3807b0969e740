import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sknlp.embeddings import Word2Vec
from sknlp.neural import LSTMClassifier, TransformerClassifier, _modules
from sknlp.neural._modules import _cpu_bfloat16_lstm
from sknlp.neural._pooling import POOLINGS
from sknlp.neural._training import BatchIterator, TrainingDiverged, compact
from sknlp.preprocessing import NGram, Tokenizer

TINY_LSTM = dict(embedding_dim=16, hidden_size=16, max_epochs=2, batch_size=32,
                 random_state=0, tokenizer=Tokenizer(num_words=2000, maxlen=100))
TINY_TRANSFORMER = dict(d_model=16, n_heads=2, n_layers=1, dim_feedforward=32, max_epochs=2,
                        batch_size=32, random_state=0,
                        tokenizer=Tokenizer(num_words=2000, maxlen=100))
MODELS = [(LSTMClassifier, TINY_LSTM), (TransformerClassifier, TINY_TRANSFORMER)]
IDS = ["lstm", "transformer"]


@pytest.fixture(scope="module")
def zh_split(zh_reviews):
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(zh_reviews.data))[:1600]
    X = [zh_reviews.data[i] for i in idx]
    y = np.array(["neg", "pos"])[zh_reviews.target[idx]]  # string labels on purpose
    return X[:1200], y[:1200], X[1200:], y[1200:]


def small_char_settings(cls, params):
    """A small char-level model of either class that learns the Chinese slice in seconds."""
    tok = Tokenizer(analyzer="char", num_words=3000, maxlen=120)
    size = {"embedding_dim": 48, "hidden_size": 48} if cls is LSTMClassifier else {
        "d_model": 48, "dim_feedforward": 96}
    # A Transformer wants the lower rate: at 1e-2 it scored 0.695-0.755 over three seeds on
    # one machine, at 3e-3 0.77-0.80 (the LSTM learns well at 1e-2).
    lr = 1e-2 if cls is LSTMClassifier else 3e-3
    return {**params, **size, "tokenizer": tok, "max_epochs": 8, "lr": lr}


@pytest.mark.parametrize("cls,params", MODELS, ids=IDS)
def test_char_level_chinese_classifier_learns(cls, params, zh_split):
    X_tr, y_tr, X_te, y_te = zh_split
    clf = cls(**small_char_settings(cls, params)).fit(X_tr, y_tr)
    assert list(clf.classes_) == ["neg", "pos"]
    proba = clf.predict_proba(X_te)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert set(clf.predict(X_te)) <= {"neg", "pos"}
    assert clf.score(X_te, y_te) > 0.7  # majority class is about 0.52
    assert len(clf.history_) == 8 and clf.n_parameters_ > 0


@pytest.mark.parametrize("cls,params", MODELS, ids=IDS)
def test_same_seed_same_predictions_and_pickle(cls, params, imdb_small):
    X, y = imdb_small[0][:120], imdb_small[1][:120]
    a = cls(**params).fit(X, y)
    b = cls(**params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X[:30]), b.predict_proba(X[:30]))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.predict_proba(X[:30]), restored.predict_proba(X[:30]))


@pytest.mark.parametrize("cls,params", MODELS, ids=IDS)
def test_padding_does_not_change_predictions(cls, params, imdb_small):
    X, y = imdb_small[0][:80], imdb_small[1][:80]
    tok = Tokenizer(num_words=1000, maxlen=60)
    ids = tok.fit_transform(X)
    clf = cls(**{**params, "tokenizer": None}).fit(ids, y)
    wider = np.hstack([ids, np.zeros((len(ids), 40), dtype=ids.dtype)])
    np.testing.assert_allclose(clf.predict_proba(ids), clf.predict_proba(wider), atol=1e-6)
    left = Tokenizer(num_words=1000, maxlen=60, padding="pre").fit(X).transform(X)
    np.testing.assert_allclose(clf.predict_proba(ids), clf.predict_proba(left), atol=1e-6)
    # alone or in a batch of longer documents, a document gets the same probabilities
    alone = np.vstack([clf.predict_proba(ids[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(alone, clf.predict_proba(ids)[:5], atol=1e-5)


def test_pipeline_grid_search_over_tokenizer_and_model(imdb_small):
    X, y = imdb_small[0][:150], imdb_small[1][:150]
    pipe = make_pipeline(Tokenizer(maxlen=80), LSTMClassifier(**{**TINY_LSTM, "max_epochs": 1,
                                                                "tokenizer": None}))
    grid = {"tokenizer__num_words": [500, 1000], "lstmclassifier__hidden_size": [8, 16]}
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
    assert set(search.cv_results_["params"][0]) == set(grid)
    assert search.best_estimator_.predict(X[:5]).shape == (5,)


def test_estimator_owns_a_tunable_tokenizer(imdb_small):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    clf = LSTMClassifier(**TINY_LSTM).set_params(tokenizer__num_words=300)
    clf.fit(X, y)
    assert clf.tokenizer_.vocab_size_ == 300 and clf.vocab_size_ == 300
    assert clf.tokenizer.get_params()["num_words"] == 300  # the parameter, not a fitted copy
    assert not hasattr(clf.tokenizer, "vocabulary_")


def test_early_stopping_restores_the_best_epoch(zh_split):
    X_tr, y_tr = zh_split[0][:600], zh_split[1][:600]
    clf = LSTMClassifier(**{**TINY_LSTM, "tokenizer": Tokenizer(analyzer="char", maxlen=80),
                            "max_epochs": 25, "lr": 0.01, "early_stopping": True,
                            "patience": 2, "lr_schedule": None}).fit(X_tr, y_tr)
    losses = [row["valid_loss"] for row in clf.history_]
    assert len(losses) < 25  # it stopped
    best = int(np.argmin(losses))
    assert best == len(losses) - 3  # two epochs of patience after the best
    # the restored weights give the best validation loss again
    assert clf.history_[best, "valid_loss_best"]


def test_early_stopping_on_accuracy_restores_the_most_accurate_epoch(zh_split):
    X_tr, y_tr = zh_split[0][:600], zh_split[1][:600]
    clf = LSTMClassifier(**{**TINY_LSTM, "tokenizer": Tokenizer(analyzer="char", maxlen=80),
                            "max_epochs": 25, "lr": 0.01, "early_stopping": True,
                            "scoring": "accuracy", "patience": 2, "lr_schedule": None})
    clf.fit(X_tr, y_tr)
    accs = clf.history_[:, "valid_acc"]
    assert len(accs) < 25  # it stopped
    best = int(np.argmax(accs))  # the first epoch that reached the highest accuracy
    assert best == len(accs) - 3  # two epochs of patience after it
    # the restored weights are those of that epoch: they score its accuracy on the hold-out
    ids, lengths = compact(clf.tokenizer_.transform(X_tr))
    targets = np.searchsorted(clf.classes_, y_tr)
    _, valid = clf.net_.get_split_datasets({"ids": ids, "lengths": lengths}, targets)
    y_valid = np.asarray([valid[i][1] for i in range(len(valid))])
    assert np.mean(clf.net_.predict(valid) == y_valid) == pytest.approx(accs[best])


def test_class_weight_balanced_helps_the_minority(zh_split):
    X_tr, y_tr, X_te, y_te = zh_split
    keep = np.flatnonzero(y_tr == "pos")[:60].tolist() + np.flatnonzero(y_tr == "neg").tolist()
    X_sk, y_sk = [X_tr[i] for i in keep], y_tr[keep]
    params = {**TINY_LSTM, "tokenizer": Tokenizer(analyzer="char", maxlen=80),
              "embedding_dim": 48, "hidden_size": 48, "max_epochs": 8, "lr": 1e-2}
    plain = LSTMClassifier(**params).fit(X_sk, y_sk)
    balanced = LSTMClassifier(**params, class_weight="balanced").fit(X_sk, y_sk)
    recall = [np.mean(m.predict(X_te)[y_te == "pos"] == "pos") for m in (plain, balanced)]
    assert recall[1] > recall[0]


def test_nan_loss_stops_training_with_a_message(imdb_small):
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    clf = LSTMClassifier(**{**TINY_LSTM, "optimizer": "sgd", "lr": 1e30, "grad_clip": None,
                            "lr_schedule": None, "max_epochs": 5})
    with pytest.raises(TrainingDiverged, match="diverged"):
        clf.fit(X, y)


@pytest.mark.parametrize("cls,params", MODELS, ids=IDS)
def test_bad_targets(cls, params, imdb_small):
    X = imdb_small[0][:20]
    with pytest.raises(ValueError, match="single class"):
        cls(**params).fit(X, ["pos"] * 20)
    with pytest.raises(ValueError, match="different lengths"):
        cls(**params).fit(X, [0, 1] * 5)
    with pytest.raises(TypeError, match="str"):
        cls(**params).fit("one review", [1])


def test_lstm_attention_weights(imdb_small):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    clf = LSTMClassifier(**{**TINY_LSTM, "pooling": "attention"}).fit(X, y)
    (tokens, w), (empty_tokens, empty_w) = clf.attention_weights([X[0], ""])
    assert len(tokens) == len(w) == min(100, len(tokens)) and tokens[0] == X[0].split()[0].lower()
    np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-5)
    assert empty_tokens == [] and len(empty_w) == 0
    with pytest.raises(ValueError, match="pooling='attention'"):
        LSTMClassifier(**TINY_LSTM).fit(X, y).attention_weights(X[:1])


def test_transformer_attention_and_temperature(imdb_small):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    clf = TransformerClassifier(**TINY_TRANSFORMER).fit(X, y)
    tokens, w = clf.attention_weights(X[:1])[0]
    assert len(tokens) == len(w) and abs(w.sum() - 1) < 1e-5
    attn = clf.net_.module_.blocks[0].attn
    assert attn.temperature == pytest.approx(np.sqrt(16 / 2))  # sqrt(d_k) by default

    def entropy(temperature):
        attn.temperature = temperature
        _, w = clf.attention_weights(X[:1])[0]
        return -(w * np.log(w + 1e-12)).sum()

    # the course's point: dividing the scores by a larger temperature flattens the softmax
    assert entropy(0.5) < entropy(np.sqrt(8)) < entropy(1000.0)
    assert entropy(1000.0) == pytest.approx(np.log(len(w)), rel=0.02)


def test_transformer_options(imdb_small):
    X, y = imdb_small[0][:60], imdb_small[1][:60]
    clf = TransformerClassifier(**{**TINY_TRANSFORMER, "positional": "learned",
                                   "pooling": "mean", "attention_temperature": 2.0,
                                   "max_epochs": 1}).fit(X, y)
    assert clf.net_.module_.blocks[0].attn.temperature == 2.0
    assert clf.predict_proba(X[:3]).shape == (3, 2)


def test_word2vec_initialised_embeddings(imdb_small):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    clf = LSTMClassifier(**{**TINY_LSTM, "max_epochs": 1, "freeze_embeddings": True,
                            "embeddings": Word2Vec(vector_size=12, min_count=2, epochs=2,
                                                   random_state=0)}).fit(X, y)
    emb = clf.net_.module_.embedding.weight.detach().numpy()
    assert emb.shape == (clf.vocab_size_, 12)
    the = clf.tokenizer_.vocabulary_["the"]
    np.testing.assert_allclose(emb[the], clf.embeddings_.wv_["the"], rtol=1e-6)  # frozen
    with pytest.raises(ValueError, match="raw text"):
        LSTMClassifier(**{**TINY_LSTM, "embeddings": Word2Vec()}).fit(
            Tokenizer(maxlen=20).fit_transform(X), y)


def test_char_bigram_lstm_with_bigram_vectors(zh_split):
    X_tr, y_tr, X_te, y_te = zh_split
    tok = Tokenizer(analyzer="char", ngram_range=(1, 2), num_words=6000, maxlen=240)
    w2v = Word2Vec(analyzer="char", ngram_range=(1, 2), vector_size=48, min_count=2,
                   epochs=3, random_state=0)
    clf = LSTMClassifier(**{**TINY_LSTM, "embedding_dim": 48, "hidden_size": 48,
                            "tokenizer": tok, "embeddings": w2v, "max_epochs": 6,
                            "lr": 1e-2}).fit(X_tr, y_tr)
    # the bigrams of the vocabulary started from their own vectors, not random ones
    _, coverage = clf.embeddings_.embedding_matrix(clf.tokenizer_, return_coverage=True)
    assert coverage > 0.9
    assert any(n == 2 for n in clf.tokenizer_.token_orders_)
    assert clf.score(X_te, y_te) > 0.7  # majority class is about 0.52


def test_soft_voting_with_a_linear_model(zh_split):
    """The averaging of BENCHMARKS.md's Chinese row, as a user writes it: the neural model
    and an n-gram pipeline in a soft VotingClassifier, string labels."""
    X_tr, y_tr, X_te, y_te = zh_split
    lstm = LSTMClassifier(**{**TINY_LSTM, "embedding_dim": 32, "hidden_size": 32,
                             "tokenizer": Tokenizer(analyzer="char", num_words=3000,
                                                    maxlen=120),
                             "max_epochs": 6, "lr": 1e-2})
    linear = make_pipeline(NGram(analyzer="char", ngram_range=(1, 3), weighting="tfidf"),
                           LogisticRegression(C=10, max_iter=1000))
    vote = VotingClassifier([("lstm", lstm), ("linear", linear)], voting="soft").fit(X_tr, y_tr)
    members = [est.predict_proba(X_te) for est in vote.estimators_]
    np.testing.assert_allclose(vote.predict_proba(X_te), np.mean(members, axis=0), rtol=1e-6)
    assert set(vote.predict(X_te)) <= {"neg", "pos"}
    assert vote.score(X_te, y_te) > 0.7  # majority class is about 0.52


def test_word2vec_without_the_tokenizers_ngrams_is_named(zh_split):
    X_tr, y_tr = zh_split[0][:300], zh_split[1][:300]
    tok = Tokenizer(analyzer="char", ngram_range=(1, 2), num_words=3000, maxlen=120)
    w2v = Word2Vec(analyzer="char", vector_size=8, min_count=2, epochs=1, random_state=0)
    with pytest.warns(UserWarning, match=r"ngram_range=\(1, 2\).*ngram_range=\(1, 1\)"):
        LSTMClassifier(**{**TINY_LSTM, "tokenizer": tok, "embeddings": w2v,
                          "max_epochs": 1}).fit(X_tr, y_tr)


def test_warm_start_continues_training(imdb_small):
    X, y = imdb_small[0][:80], imdb_small[1][:80]
    clf = LSTMClassifier(**{**TINY_LSTM, "max_epochs": 1, "warm_start": True}).fit(X, y)
    first = clf.tokenizer_
    clf.fit(X, y)
    assert len(clf.history_) == 2 and clf.tokenizer_ is first


def test_progress_bar_shows_epochs(imdb_small, capsys):
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    LSTMClassifier(**{**TINY_LSTM, "verbose": 1, "validation_fraction": 0.25}).fit(X, y)
    err = capsys.readouterr().err
    assert "2/2" in err and "valid_acc" in err


def test_bucketing_batches_cover_everything_once_and_are_trimmed():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 50, 500)
    ids = np.zeros((500, 50), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.integers(1, 100, n)
    ids, lens = compact(ids)

    class DS:
        X = {"ids": ids, "lengths": lens}
        y = np.zeros(500, dtype=np.int64)

    it = BatchIterator(DS, batch_size=32, shuffle=True, bucket=True,
                       rng=np.random.RandomState(0))
    seen, widths, spreads = [], [], []
    for Xb, _ in it:
        seen.extend(Xb["lengths"].tolist())
        widths.append(Xb["ids"].shape[1])
        spreads.append(int(Xb["lengths"].max() - Xb["lengths"].min()))
        assert Xb["ids"].shape[1] == int(Xb["lengths"].max())
    assert sorted(seen) == sorted(lens.tolist())
    assert np.mean(spreads) < 10  # similar lengths together (random batches: ~45)


def test_compact_moves_left_padding_right():
    ids, lengths = compact(np.array([[0, 0, 5, 6], [7, 0, 8, 0], [0, 0, 0, 0]]))
    assert ids.tolist() == [[5, 6, 0, 0], [7, 8, 0, 0], [0, 0, 0, 0]]
    assert lengths.tolist() == [2, 2, 0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_gpu_trained_model_predicts_on_cpu(imdb_small):  # pragma: no cover
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    clf = LSTMClassifier(**{**TINY_LSTM, "device": "cuda"}).fit(X, y)
    cpu = pickle.loads(pickle.dumps(clf))
    cpu.net_.set_params(device="cpu")
    np.testing.assert_allclose(cpu.predict_proba(X[:5]), clf.predict_proba(X[:5]), atol=1e-4)


def test_clone_keeps_parameters():
    clf = LSTMClassifier(hidden_size=7, tokenizer=Tokenizer(num_words=11))
    c = clone(clf)
    assert c.hidden_size == 7 and c.tokenizer.num_words == 11 and c.tokenizer is not clf.tokenizer


@pytest.mark.parametrize("bidirectional", [True, False], ids=["bi", "uni"])
def test_masked_lstm_equals_packed_sequences(bidirectional):
    # The LSTM runs on dense right-padded batches (fast on CPU); on the real tokens it must
    # give what PyTorch's packed sequences give, outputs and last states alike.
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from sknlp.neural._modules import MaskedLSTM

    torch.manual_seed(0)
    masked = MaskedLSTM(6, 5, num_layers=2, bidirectional=bidirectional).eval()
    packed = torch.nn.LSTM(6, 5, num_layers=2, batch_first=True,
                           bidirectional=bidirectional).eval()
    with torch.no_grad():
        for i, layer in enumerate(masked.layers):
            for d, lstm in enumerate(layer):
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    suffix = f"_l{i}" + ("_reverse" if d else "")
                    getattr(packed, name + suffix).copy_(getattr(lstm, name + "_l0"))
    lengths = torch.tensor([9, 1, 4, 9, 6])
    x = torch.randn(5, 9, 6)
    x[torch.arange(9)[None, :] >= lengths[:, None]] = 7.0  # loud padding
    with torch.no_grad():
        out, last = masked(x, lengths)
        ref, (h, _) = packed(pack_padded_sequence(x, lengths, batch_first=True,
                                                  enforce_sorted=False))
        ref, _ = pad_packed_sequence(ref, batch_first=True, total_length=9)
    real = torch.arange(9)[None, :] < lengths[:, None]
    torch.testing.assert_close(out[real], ref[real], atol=1e-6, rtol=1e-5)
    ref_last = torch.cat([h[-2], h[-1]], 1) if bidirectional else h[-1]
    torch.testing.assert_close(last, ref_last, atol=1e-6, rtol=1e-5)


def test_lstm_weights_saved_as_one_torch_lstm_still_load():
    # Models saved before the layers were split per direction keep loading.
    from sknlp.neural._modules import LSTMModule

    torch.manual_seed(0)
    module = LSTMModule(vocab_size=50, n_classes=2, embedding_dim=6, hidden_size=5,
                        num_layers=2, bidirectional=True)
    old = torch.nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True)
    state = {k: v for k, v in module.state_dict().items() if not k.startswith("lstm.")}
    state.update({f"lstm.{k}": v for k, v in old.state_dict().items()})
    module.load_state_dict(state)
    torch.testing.assert_close(module.lstm.layers[1][1].weight_hh_l0, old.weight_hh_l1_reverse)
    torch.testing.assert_close(module.lstm.layers[0][0].bias_ih_l0, old.bias_ih_l0)


@pytest.mark.parametrize("pooling", sorted(POOLINGS) + ["summary"])
@pytest.mark.parametrize("cls,params", MODELS, ids=IDS)
def test_every_encoder_takes_every_pooling_of_the_registry(cls, params, pooling, imdb_small):
    """A mode added to sknlp.neural._pooling reaches every encoder without other edits."""
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    if pooling == "summary":
        pooling = "last" if cls is LSTMClassifier else "cls"
    clf = cls(**{**params, "max_epochs": 1}, pooling=pooling).fit(X, y)
    proba = clf.predict_proba(imdb_small[2][:10])
    assert np.allclose(proba.sum(1), 1)
    if pooling == "attention":
        tokens, weights = clf.attention_weights(imdb_small[2][:1])[0]
        assert len(tokens) == len(weights) and np.isclose(weights.sum(), 1)


def test_attention_weights_saved_under_their_old_name_still_load(imdb_small, tmp_path):
    import sknlp

    X, y = imdb_small[0][:64], imdb_small[1][:64]
    clf = LSTMClassifier(**{**TINY_LSTM, "max_epochs": 1}, pooling="attention").fit(X, y)
    state = clf._persist_state()
    weights = state["__net__"]["state_dict"]
    state["__net__"]["state_dict"] = {k.replace("pool.", "attention.", 1): v
                                      for k, v in weights.items()}
    assert any(k.startswith("attention.") for k in state["__net__"]["state_dict"])
    old = LSTMClassifier.__new__(LSTMClassifier)
    old._persist_restore(state)  # as sknlp.load rebuilds a file written before the registry
    np.testing.assert_array_equal(old.predict_proba(X[:10]), clf.predict_proba(X[:10]))
    sknlp.save(old, tmp_path / "m.sknlp")
    np.testing.assert_array_equal(sknlp.load(tmp_path / "m.sknlp").predict_proba(X[:10]),
                                  clf.predict_proba(X[:10]))


@pytest.mark.parametrize("cls,old,new,value", [(LSTMClassifier, "num_layers", "n_layers", 2)])
def test_renamed_parameters_keep_working_for_one_release(cls, old, new, value, imdb_small):
    X, y = imdb_small[0][:40], imdb_small[1][:40]
    params = TINY_LSTM if cls is LSTMClassifier else TINY_TRANSFORMER
    with pytest.warns(FutureWarning, match=f"{old}=.*deprecated.*use {new}="):
        old_spelling = cls(**{**params, "max_epochs": 1}, **{old: value}).fit(X, y)
    new_spelling = cls(**{**params, "max_epochs": 1}, **{new: value}).fit(X, y)
    np.testing.assert_array_equal(old_spelling.predict_proba(X[:5]),
                                  new_spelling.predict_proba(X[:5]))
    with pytest.warns(FutureWarning, match="use maxlen_"):
        assert new_spelling.max_len_ == new_spelling.maxlen_


def test_objects_pickled_before_the_renames_still_work(imdb_small):
    import pickle

    X, y = imdb_small[0][:40], imdb_small[1][:40]
    clf = LSTMClassifier(**{**TINY_LSTM, "max_epochs": 1}, n_layers=2).fit(X, y)
    old = pickle.loads(pickle.dumps(clf))
    # as an earlier release pickled it: num_layers set, no n_layers, max_len_ not maxlen_
    state = old.__getstate__()
    state["num_layers"] = state.pop("n_layers")
    state["max_len_"] = state.pop("maxlen_")
    restored = LSTMClassifier.__new__(LSTMClassifier)
    restored.__setstate__(state)
    assert restored.get_params()["n_layers"] == 2
    np.testing.assert_array_equal(restored.predict_proba(X[:5]), clf.predict_proba(X[:5]))


def test_the_progress_bar_is_named_after_the_estimator(imdb_small, capsys):
    X, y = imdb_small[0][:40], imdb_small[1][:40]
    LSTMClassifier(**{**TINY_LSTM, "max_epochs": 1}, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert "LSTMClassifier" in err and "LSTMModule" not in err


def test_the_default_tokenizer_is_tunable_by_its_documented_name(imdb_small):
    from sklearn.model_selection import GridSearchCV

    clf = LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=1, random_state=0)
    assert clf.set_params(tokenizer__num_words=500) is clf
    assert clf.tokenizer.num_words == 500 and clf.tokenizer.maxlen == 400  # the defaults
    X, y = imdb_small[0][:60], imdb_small[1][:60]
    search = GridSearchCV(LSTMClassifier(embedding_dim=8, hidden_size=8, max_epochs=1,
                                         random_state=0),
                          {"tokenizer__num_words": [200, 400]}, cv=2).fit(X, y)
    assert search.best_estimator_.tokenizer_.vocab_size_ <= 400


def test_verbose_2_prints_a_line_per_epoch_and_the_restored_epoch_is_marked(imdb_small,
                                                                          capsys):
    X, y = imdb_small[0][:100], imdb_small[1][:100]
    clf = LSTMClassifier(**{**TINY_LSTM, "max_epochs": 3}, verbose=2, early_stopping=True,
                         patience=3).fit(X, y)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("LSTMClassifier ")]
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert "valid_loss" in lines[0]
    restored = [row["epoch"] for row in clf.history_ if row["restored"]]
    losses = clf.history_[:, "valid_loss"]
    assert restored == [int(np.argmin(losses)) + 1]


def test_progress_moves_within_an_epoch_with_a_running_loss(imdb_small, monkeypatch):
    # The bar is counted in epochs but advances with every batch; record what it is told.
    from sknlp.utils import _progress

    told = []
    real = _progress.Progress.advance
    monkeypatch.setattr(_progress.Progress, "advance",
                        lambda self, fraction, **f: (told.append((fraction, f)),
                                                     real(self, fraction, **f)))
    X, y = imdb_small[0][:64], imdb_small[1][:64]
    LSTMClassifier(**{**TINY_LSTM, "verbose": 1, "batch_size": 8,
                      "validation_fraction": 0.25}).fit(X, y)
    per_epoch = 48 // 8
    assert len(told) == 2 * per_epoch
    assert sum(f for f, _ in told[:per_epoch]) == pytest.approx(1.0)
    assert all("loss" in figures for _, figures in told)


class OutputDtypes(Callback):
    """Records the dtype of every Linear and LSTM layer's output during ``fit``, through
    forward hooks: the only way to see which precision the training really ran in."""

    def initialize(self):
        self.seen, self._hooks = set(), []
        return self

    def on_train_begin(self, net, **kwargs):
        self._hooks = [m.register_forward_hook(self._record) for m in net.module_.modules()
                       if isinstance(m, (torch.nn.Linear, torch.nn.LSTM))]

    def _record(self, module, inputs, output):
        self.seen.add((type(module).__name__,
                       (output[0] if isinstance(output, tuple) else output).dtype))

    def on_train_end(self, net, **kwargs):
        for hook in self._hooks:
            hook.remove()
        self._hooks = []


@pytest.mark.parametrize("cls,params", MODELS, ids=IDS)
def test_bfloat16_training_learns_like_float32(cls, params, zh_split):
    X_tr, y_tr, X_te, y_te = zh_split
    settings = small_char_settings(cls, params)
    dtypes = {}
    scores = {}
    for precision in ("float32", "bfloat16"):
        dtypes[precision] = OutputDtypes()
        clf = cls(**settings, precision=precision,
                  callbacks=[("dtypes", dtypes[precision])]).fit(X_tr, y_tr)
        scores[precision] = clf.score(X_te, y_te)
        proba = clf.predict_proba(X_te)
        assert proba.dtype == np.float32 or proba.dtype == np.float64
        np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    # The layers really ran in bfloat16 while training, and only then; the LSTM's own
    # kernel in float32 on a CPU that has no bfloat16 form of it (see run_lstm).
    kinds = {"Linear"} | ({"LSTM"} if cls is LSTMClassifier else set())
    lstm_dtype = torch.bfloat16 if _cpu_bfloat16_lstm() else torch.float32
    assert dtypes["float32"].seen == {(kind, torch.float32) for kind in kinds}
    assert dtypes["bfloat16"].seen == {
        (kind, lstm_dtype if kind == "LSTM" else torch.bfloat16) for kind in kinds}
    predicting = OutputDtypes().initialize()
    predicting.on_train_begin(clf.net_)
    clf.predict_proba(X_te[:10])
    predicting.on_train_end(clf.net_)
    assert predicting.seen == {(kind, torch.float32) for kind in kinds}
    # measured: LSTM 75.5 % in float32, 76.8 % in bfloat16; Transformer 79.8 %, 79.5 %
    assert scores["bfloat16"] > 0.65  # majority class is about 0.52
    assert abs(scores["bfloat16"] - scores["float32"]) < 0.05
    # Same seed, same model (on a quarter of the reviews for 2 epochs: as telling, and cheap).
    short = {**settings, "max_epochs": 2, "precision": "bfloat16"}
    once, again = (cls(**short).fit(X_tr[:300], y_tr[:300]) for _ in range(2))
    np.testing.assert_array_equal(again.predict_proba(X_te[:50]), once.predict_proba(X_te[:50]))
    with pytest.raises(ValueError, match="precision"):
        cls(**settings, precision="float16").fit(X_tr[:50], y_tr[:50])


def test_bfloat16_lstm_runs_in_float32_where_the_cpu_has_no_bfloat16_kernel(
        monkeypatch, zh_split):
    # Mocked: the probe is made to answer "no kernel", so that the fallback runs on every
    # machine; an AVX2-only CPU answers so for real, and there bfloat16 LSTM training
    # failed with oneDNN's "could not create a primitive descriptor".
    monkeypatch.setattr(_modules, "_cpu_bfloat16_lstm", lambda: False)
    lstm, x = torch.nn.LSTM(8, 8, batch_first=True), torch.randn(3, 5, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = _modules.run_lstm(lstm, x.bfloat16())[0]
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, lstm(x.bfloat16().float())[0])
    X_tr, y_tr, X_te, y_te = zh_split
    dtypes = OutputDtypes()
    clf = LSTMClassifier(**small_char_settings(LSTMClassifier, TINY_LSTM), precision="bfloat16",
                         callbacks=[("dtypes", dtypes)]).fit(X_tr, y_tr)
    assert dtypes.seen == {("Linear", torch.bfloat16), ("LSTM", torch.float32)}
    assert clf.score(X_te, y_te) > 0.65  # majority class is about 0.52
