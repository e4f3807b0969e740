"""Seq2Seq on the generated date task (learns in seconds) and on real English-Chinese pairs."""

import re

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, train_test_split
from test_reliability import CtrlC

import sknlp
from sknlp.datasets import load_sentence_pairs, make_dates
from sknlp.neural import Seq2Seq
from sknlp.preprocessing import Tokenizer

pytest.importorskip("sacrebleu")

SMALL = dict(embedding_dim=32, hidden_size=64, max_epochs=4, lr=5e-3, random_state=0)


@pytest.fixture(scope="module")
def dates():
    return make_dates(3000, random_state=0), make_dates(300, random_state=1)


@pytest.fixture(scope="module")
def attention_model(dates):
    (X, y), _ = dates
    return Seq2Seq(**SMALL).fit(X, y)


def test_attention_learns_dates_and_beats_the_fixed_summary(dates, attention_model):
    (X, y), (X_te, y_te) = dates
    fixed = Seq2Seq(architecture="rnn", **SMALL).fit(X, y)
    with_attention = attention_model.score(X_te, y_te)
    # The course's point, measured on unseen dates: attention writes them far better.
    # (measured: BLEU 78.7 against 27.5; exact dates 49 % against 1 %)
    assert with_attention > 60
    assert with_attention > fixed.score(X_te, y_te) + 20
    out = attention_model.predict(X_te[:50])
    assert np.mean([len(o) == 10 and o[4] == o[7] == "-" for o in out]) > 0.9  # ISO-shaped
    assert np.mean([o == t for o, t in zip(out, y_te[:50])]) > 0.3
    assert 0 <= attention_model.chrf(X_te, y_te) <= 100
    # ISO dates are as long as their references: a ratio far from 1 would mean outputs cut
    # short or running on, which BLEU's brevity penalty hides inside one number.
    assert 0.9 < attention_model.evaluate(X_te, y_te)["length_ratio"] < 1.1


@pytest.fixture(scope="module")
def transformer_model(dates):
    (X, y), _ = dates
    return Seq2Seq(architecture="transformer", hidden_size=64, n_heads=4, n_layers=2,
                   dim_feedforward=128, max_epochs=6, lr=3e-3, random_state=0).fit(X, y)


def test_transformer_learns_dates_and_shows_its_alignment(dates, transformer_model):
    (_, _), (X_te, y_te) = dates
    # measured: BLEU 86.7 after 6 epochs (6 s)
    assert transformer_model.score(X_te, y_te) > 70
    (src, out, w), = transformer_model.attention_weights(["the 3rd of March 1999"])
    assert w.shape == (len(out), len(src)) == (11, 5)
    np.testing.assert_allclose(w.sum(1), 1, rtol=1e-5)
    # Writing the year, the decoder looks at the year more than at any other word.
    assert w[:4].mean(0).argmax() == src.index("1999")


@pytest.mark.parametrize("model", ["attention_model", "transformer_model"])
def test_step_by_step_decoding_matches_training(model, dates, request):
    # Decoding feeds one token at a time (the Transformer from its cached keys and values);
    # given the same tokens it must compute what teacher forcing computed in training.
    model = request.getfixturevalue(model)
    X, y = dates[1][0][:16], dates[1][1][:16]
    module = model.net_.module_.eval()
    ids, lengths = model._source_ids(X)
    inputs, _, _ = model._target_arrays(y)
    ids, lengths, inputs = map(torch.as_tensor, (ids, lengths, inputs))
    with torch.no_grad():
        full = module(ids, lengths, inputs)
        memory = module.encode(ids, lengths)
        state, steps = module.init_state(memory), []
        for t in range(inputs.shape[1]):
            logits, state, _ = module.step(inputs[:, t], state, memory)
            steps.append(logits)
    torch.testing.assert_close(torch.stack(steps, 1), full, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
@pytest.mark.parametrize("architecture", ["rnn-attention", "transformer"])
def test_batched_decoding_matches_one_sentence_at_a_time(architecture, decoding, dates):
    # Rows that have ended leave the batch while the others are still written; no row's
    # output or alignment may change with the company it is decoded in. ISO dates written
    # out in words, after three short epochs: outputs of many lengths.
    (words, iso), (_, iso_te) = dates
    model = Seq2Seq(architecture=architecture, embedding_dim=32, hidden_size=32,
                    dim_feedforward=64, max_epochs=3, lr=5e-3, max_length=40,
                    decoding=decoding, beam_size=3, random_state=0)
    model.fit(iso[:1000], words[:1000])
    sources = list(iso_te[:40])
    batched = model.attention_weights(sources)
    assert len({len(out) for _, out, _ in batched}) > 1  # rows end at different steps
    for source, (_, out, w) in zip(sources, batched):
        (_, out1, w1), = model.attention_weights([source])
        assert out == out1
        np.testing.assert_allclose(w, w1, atol=1e-5)
    assert model.predict(sources) == [model.predict([s])[0] for s in sources]


def _log_likelihood(model, X, outputs):
    """Sum of the model's log-probabilities of writing ``outputs`` (end included)."""
    module = model.net_.module_.eval()
    ids, lengths = model._source_ids(X)
    inputs, targets, _ = model._target_arrays(outputs)
    with torch.no_grad():
        logits = module(torch.as_tensor(ids), torch.as_tensor(lengths),
                        torch.as_tensor(inputs))
        logp = torch.log_softmax(logits, -1).gather(-1, torch.as_tensor(targets)[..., None])
    return (logp[..., 0] * torch.as_tensor(targets > 0)).sum(1).numpy()


@pytest.mark.parametrize("model", ["attention_model", "transformer_model"])
def test_beam_search_finds_likelier_outputs_than_greedy(model, dates, request):
    model = request.getfixturevalue(model)
    X_te = dates[1][0][:100]
    greedy = model.predict(X_te)
    beam = model.set_params(decoding="beam", beam_size=5, length_penalty=0.0).predict(X_te)
    model.set_params(decoding="greedy")
    assert model.predict(X_te) == greedy  # decoding settings never retrain
    gap = _log_likelihood(model, X_te, beam) - _log_likelihood(model, X_te, greedy)
    # A search over 5 prefixes is no worse than greedy on (nearly) every date, and better
    # where greedy went astray.
    assert np.mean(gap >= -1e-4) >= 0.95 and gap.max() > 0.1
    assert model.set_params(decoding="beam", beam_size=1).predict(X_te[:20]) == greedy[:20]
    model.set_params(decoding="greedy")


def test_sampling_is_varied_but_reproducible(attention_model, dates):
    X_te = dates[1][0][:50]
    model = attention_model
    try:
        model.set_params(decoding="sample", temperature=1.5, random_state=1)
        a, b = model.predict(X_te), model.predict(X_te)
        assert a == b  # the same random_state, the same draw
        model.set_params(random_state=2)
        c = model.predict(X_te)
        assert c != a
        model.set_params(temperature=1e-4)  # so cold that sampling is greedy
        assert model.predict(X_te) == model.set_params(decoding="greedy").predict(X_te)
        model.set_params(decoding="sample", temperature=1.0, top_k=1)  # top 1 is greedy too
        assert model.predict(X_te) == model.set_params(decoding="greedy").predict(X_te)
    finally:
        model.set_params(decoding="greedy", temperature=1.0, top_k=None, random_state=0)


def test_checkpoint_resumes_an_interrupted_training(dates, tmp_path):
    (X, y), (X_te, _) = dates
    params = dict(SMALL, max_epochs=4, early_stopping=True, patience=4)
    whole = Seq2Seq(**params).fit(X[:600], y[:600])
    with pytest.warns(UserWarning, match="interrupted during epoch 3"):
        Seq2Seq(**params, checkpoint_dir=tmp_path, callbacks=[CtrlC(at=3)]).fit(X[:600],
                                                                                y[:600])
    after = CtrlC(at=99)  # never interrupts; records the epochs it trains
    resumed = Seq2Seq(**params, checkpoint_dir=tmp_path, callbacks=[after]).fit(X[:600],
                                                                               y[:600])
    assert sorted(after.weights) == [3, 4]  # resumed, not started over
    np.testing.assert_allclose(resumed.history_[:, "valid_loss"],
                               whole.history_[:, "valid_loss"], rtol=1e-5)
    assert resumed.predict(X_te[:30]) == whole.predict(X_te[:30])


def _held_out(model, X, y):
    """The hold-out rows of ``model``'s training, as its ``validation_fraction=0.1`` split
    drew them."""
    _, rows = train_test_split(np.arange(len(X)), test_size=0.1, random_state=model._seed_)
    return [X[i] for i in rows], [y[i] for i in rows]


def test_early_stopping_on_bleu_keeps_the_epoch_that_writes_best(dates):
    (X, y), _ = dates
    epochs = CtrlC(at=99)  # never interrupts; keeps each epoch's weights
    model = Seq2Seq(architecture="transformer", hidden_size=64, dim_feedforward=128,
                    max_epochs=6, lr=5e-3, random_state=0, early_stopping=True,
                    validation_fraction=0.1, patience=6, scoring="bleu", max_length=20,
                    callbacks=[epochs]).fit(X, y)
    bleu = model.history_[:, "valid_bleu"]
    assert len(bleu) == 6 and bleu[-1] > bleu[0] + 20, bleu  # it learns, and it shows
    best = int(np.argmax(bleu)) + 1
    assert all(torch.equal(v, epochs.weights[best][k])
               for k, v in model.net_.module_.state_dict().items())
    # The figure is the hold-out's BLEU as score() computes it (the same split, the
    # restored weights): dates' characters read back unchanged, so the two agree.
    assert model.score(*_held_out(model, X, y)) == pytest.approx(max(bleu), abs=1e-6)
    # Decoding the hold-out leaves the training itself as it was.
    plain = Seq2Seq(**{**model.get_params(), "scoring": "loss", "callbacks": None}).fit(X, y)
    np.testing.assert_allclose(plain.history_[:, "valid_loss"],
                               model.history_[:, "valid_loss"], rtol=1e-6)


def test_same_seed_same_output(dates):
    (X, y), (X_te, _) = dates
    a = Seq2Seq(**{**SMALL, "max_epochs": 1}).fit(X[:300], y[:300]).predict(X_te[:20])
    b = Seq2Seq(**{**SMALL, "max_epochs": 1}).fit(X[:300], y[:300]).predict(X_te[:20])
    assert a == b


def test_attention_weights_align_source_and_output(attention_model):
    (src, out, w), = attention_model.attention_weights(["the 3rd of March 1999"])
    assert src == ["the", "3rd", "of", "march", "1999"]
    assert w.shape == (len(out), len(src))
    np.testing.assert_allclose(w.sum(1), 1, rtol=1e-5)
    assert out[-1] == "</s>" and "".join(out[:-1]) == attention_model.predict(
        ["the 3rd of March 1999"])[0]
    fixed = Seq2Seq(architecture="rnn", max_epochs=1, embedding_dim=8, hidden_size=8)
    fixed.fit(["a b"] * 4, ["x"] * 4)
    with pytest.raises(ValueError, match="rnn-attention"):
        fixed.attention_weights(["a b"])


def test_empty_input_and_saved_model(attention_model, tmp_path):
    assert attention_model.predict([]) == []
    sknlp.save(attention_model, tmp_path / "dates.sknlp")
    loaded = sknlp.load(tmp_path / "dates.sknlp")
    X = ["12 jan 2001", "May 24, 1971"]
    assert loaded.predict(X) == attention_model.predict(X)


def test_grid_search_tunes_on_bleu(dates):
    (X, y), _ = dates
    search = GridSearchCV(Seq2Seq(embedding_dim=16, hidden_size=16, max_epochs=2,
                                  random_state=0),
                          {"architecture": ["rnn", "rnn-attention"]}, cv=2)
    search.fit(X[:400], y[:400])
    assert set(search.cv_results_["param_architecture"]) == {"rnn", "rnn-attention"}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_english_to_chinese_on_real_pairs(imdb_home):
    if not (imdb_home / "cmn.txt").is_file():
        pytest.skip("cmn.txt not in the data home")
    train = load_sentence_pairs(subset="train", data_home=imdb_home)
    test = load_sentence_pairs(subset="test", data_home=imdb_home)
    model = Seq2Seq(embedding_dim=16, hidden_size=32, max_epochs=1, random_state=0,
                    source_tokenizer=Tokenizer(num_words=2000))
    model.fit(train.data[:1000], train.target[:1000])
    assert model.bleu_tokenize_ == "zh" and model.target_tokenizer_.analyzer == "char"
    out = model.predict(test.data[:30])
    assert len(out) == 30 and all(isinstance(o, str) for o in out)
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in o) for o in out)  # writes Chinese
    assert 0 <= model.score(test.data[:100], test.target[:100]) <= 100
    # and the other way round: Chinese read as characters by default, English comes out
    # with its spaces
    back = Seq2Seq(embedding_dim=16, hidden_size=32, max_epochs=1, random_state=0)
    back.fit(train.target[:500], train.data[:500])
    assert back.bleu_tokenize_ == "13a" and back.source_tokenizer_.analyzer == "char"
    assert back.source_tokenizer_.vocab_size_ > 300  # characters, not whole sentences
    assert any(" " in o for o in back.predict(test.target[:30]))


def test_bfloat16_training_learns_dates(dates, transformer_model):
    (X, y), (X_te, y_te) = dates
    half = Seq2Seq(architecture="transformer", hidden_size=64, n_heads=4, n_layers=2,
                   dim_feedforward=128, max_epochs=6, lr=3e-3, random_state=0,
                   precision="bfloat16").fit(X, y)
    # measured: BLEU 88.4 in float32 and in bfloat16
    assert half.score(X_te, y_te) > 70
    assert half.score(X_te, y_te) > transformer_model.score(X_te, y_te) - 5


@pytest.fixture(scope="module")
def ensemble_model(dates):
    (X, y), _ = dates
    return Seq2Seq(**SMALL, ensemble_size=2).fit(X, y)


def _alone(model, member):
    """``model`` decoding with one member of its ensemble only (restored on exit)."""
    class Alone:
        def __enter__(self):
            self.ensemble, model.net_.module_ = model.net_.module_, member
            return model

        def __exit__(self, *exc):
            model.net_.module_ = self.ensemble

    return Alone()


def test_ensemble_writes_better_than_its_members(dates, ensemble_model):
    (_, _), (X_te, y_te) = dates
    members = ensemble_model.net_.module_.members
    assert len(members) == 2
    alone = []
    for member in members:
        with _alone(ensemble_model, member) as one:
            alone.append(one.score(X_te, y_te))
    # measured: BLEU 85.4 for the pair against 78.5 and 75.9 for its members
    assert ensemble_model.score(X_te, y_te) > max(alone) + 2
    # Each step's distribution is the mean of the members' probabilities.
    ids, lengths = map(torch.as_tensor, ensemble_model._source_ids(X_te[:8]))
    ensemble = ensemble_model.net_.module_.eval()
    prev = torch.full((8,), ensemble_model.start_id_)
    with torch.no_grad():
        memory = ensemble.encode(ids, lengths)
        logp, _, w = ensemble.step(prev, ensemble.init_state(memory), memory, True)
        probs, ws = [], []
        for m in members:
            mem = m.encode(ids, lengths)
            logits, _, w_m = m.step(prev, m.init_state(mem), mem, True)
            probs.append(torch.softmax(logits, -1))
            ws.append(w_m)
    torch.testing.assert_close(logp.exp(), (probs[0] + probs[1]) / 2)
    torch.testing.assert_close(w, (ws[0] + ws[1]) / 2)


def test_an_ensemble_stops_on_the_bleu_of_the_whole_ensemble(dates):
    (X, y), _ = dates
    model = Seq2Seq(**{**SMALL, "max_epochs": 3}, ensemble_size=2, early_stopping=True,
                    validation_fraction=0.1, patience=3, scoring="bleu").fit(X, y)
    bleu = model.history_[:, "valid_bleu"]
    assert len(bleu) == 3 and bleu[-1] > bleu[0], bleu
    # The recorded figure is what the restored pair writes, not what either member does.
    X_ho, y_ho = _held_out(model, X, y)
    assert model.score(X_ho, y_ho) == pytest.approx(max(bleu), abs=1e-6)
    for member in model.net_.module_.members:
        with _alone(model, member) as one:
            assert one.score(X_ho, y_ho) != pytest.approx(max(bleu), abs=1e-6)


@pytest.mark.parametrize("decoding", ["greedy", "beam", "sample"])
def test_ensemble_decodes_in_batches_and_reloads(decoding, dates, ensemble_model, tmp_path):
    sources = list(dates[1][0][:30])
    model = ensemble_model
    try:
        model.set_params(decoding=decoding, beam_size=3, random_state=0)
        out = model.predict(sources)
        if decoding != "sample":  # (a draw depends on the rows drawn beside it)
            assert out == [model.predict([s])[0] for s in sources]
        (src, written, w), = model.attention_weights(sources[:1])
        assert w.shape == (len(written), len(src))
        np.testing.assert_allclose(w.sum(1), 1, rtol=1e-5)
        sknlp.save(model, tmp_path / "ensemble.sknlp")
        loaded = sknlp.load(tmp_path / "ensemble.sknlp")
        assert loaded.predict(sources) == out
    finally:
        model.set_params(decoding="greedy", random_state=0)


def test_an_ensemble_file_names_its_members_from_a_fixed_list(ensemble_model, tmp_path):
    from test_trust import _rewrite

    sknlp.save(ensemble_model, tmp_path / "ensemble.sknlp")
    for edit, match in [(b'["member", "os.system"]', "build no network"),
                        (b'["size", 50000000]', "do not match its network")]:
        key = edit.split(b",")[0]
        path = _rewrite(tmp_path / "ensemble.sknlp", tmp_path / "edited.sknlp",
                        edit_member=lambda name, data, e=edit, k=key:
                        re.sub(re.escape(k) + rb", [^\]]*\]", e, data)
                        if name == "model.json" else data)
        with pytest.raises(sknlp.ModelFileError, match=match):
            sknlp.load(path)
