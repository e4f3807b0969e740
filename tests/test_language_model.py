"""LanguageModel on small slices of real text: it learns, each objective predicts what it
should and nothing it should not see, and the classifiers fine-tune from it."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

import sknlp
from sknlp.embeddings import Word2Vec
from sknlp.neural import (
    DistilledClassifier,
    LanguageModel,
    LSTMClassifier,
    TransformerClassifier,
)
from sknlp.neural._language_model import LanguageModelModule
from sknlp.preprocessing import NGram, Tokenizer

LSTM = dict(embedding_dim=32, hidden_size=32, seq_len=32, random_state=0, n_jobs=1,
            tokenizer=Tokenizer(num_words=2000, maxlen=None))
TRF = dict(architecture="transformer", d_model=16, n_heads=2, n_layers=1,
           dim_feedforward=32, seq_len=32, random_state=0, n_jobs=1,
           tokenizer=Tokenizer(num_words=2000, maxlen=None))


@pytest.fixture(scope="module")
def reviews(imdb_small):
    return imdb_small[0], imdb_small[1], imdb_small[2]


@pytest.fixture(scope="module")
def bilm(reviews):
    return LanguageModel(**LSTM, max_epochs=6, lr=1e-2).fit(reviews[0])


def _unigram_perplexity(lm, texts):
    """The perplexity of the best model that ignores context: token frequencies."""
    seqs = lm.tokenizer_.texts_to_sequences(texts)
    counts = np.bincount(np.concatenate(seqs), minlength=lm.tokenizer_.vocab_size_)
    p = counts / counts.sum()
    tokens = np.concatenate(seqs)
    return float(np.exp(-np.mean(np.log(p[tokens]))))


def test_the_bilm_learns_context_beyond_word_frequencies(bilm, reviews):
    X = reviews[0]
    # On the text it learned from, context must beat the best context-free model.
    # (measured: 150 against 254 on another slice of 400 reviews)
    assert bilm.perplexity(X) < 0.8 * _unigram_perplexity(bilm, X)
    losses = bilm.history_[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert bilm.score(X) == pytest.approx(-np.log(bilm.perplexity(X)))
    assert bilm.score(X[:50]) == bilm.score(X[:50])  # deterministic


@pytest.mark.parametrize("objective", ["causal", "bidirectional"])
def test_the_next_token_depends_only_on_the_past(objective, reviews):
    # Changing the future must not change what a forward model predicts now (and the
    # backward half of the biLM must not see the past).
    lm = (LanguageModel(**TRF, objective="causal", max_epochs=1) if objective == "causal"
          else LanguageModel(**LSTM, max_epochs=1)).fit(reviews[0][:100])
    module = lm.net_.module_.eval()
    ids = torch.as_tensor(lm._windows(reviews[0][:4], min_tokens=2)[0][:4, :20])
    lengths = torch.full((len(ids),), 20)
    changed = ids.clone()
    changed[:, 12:] = 5
    past = ids.clone()
    past[:, :8] = 5
    with torch.no_grad():
        if objective == "causal":
            a = module.transformer_states(ids, lengths)[-1]
            b = module.transformer_states(changed, lengths)[-1]
            torch.testing.assert_close(a[:, :12], b[:, :12])
            assert not torch.allclose(a[:, 12:], b[:, 12:])
        else:
            (f, b), = module.lstm_states(ids, lengths)[1]
            (f_future, b_future), = module.lstm_states(changed, lengths)[1]
            (f_past, b_past), = module.lstm_states(past, lengths)[1]
            torch.testing.assert_close(f[:, :12], f_future[:, :12])  # forward: the past only
            torch.testing.assert_close(b[:, 8:], b_past[:, 8:])  # backward: the future only
            assert not torch.allclose(b[:, :12], b_future[:, :12])
            assert not torch.allclose(f[:, 8:], f_past[:, 8:])


def test_bert_corruption_follows_the_80_10_10_recipe():
    module = LanguageModelModule(vocab_size=1001, architecture="transformer",
                                 objective="masked", d_model=8, n_heads=2, n_layers=1,
                                 dim_feedforward=8, mask_id=1000)
    ids = torch.randint(2, 1000, (400, 100))
    lengths = torch.full((400,), 100)
    gen = torch.Generator().manual_seed(0)
    corrupted, chosen = module.mask_tokens(ids, lengths, gen)
    share = chosen.float().mean().item()
    assert 0.14 < share < 0.17
    picked = corrupted[chosen]
    masked = (picked == 1000).float().mean().item()
    kept = (picked == ids[chosen]).float().mean().item()
    assert 0.77 < masked < 0.83 and 0.08 < kept < 0.13  # random: ~10 %, a few by chance kept
    assert torch.equal(corrupted[~chosen], ids[~chosen])  # the rest untouched
    short = torch.tensor([[5, 6, 0, 0]])
    _, chosen = module.mask_tokens(short, torch.tensor([2]), gen)
    assert chosen.sum() >= 1 and not chosen[0, 2:].any()  # one at least, never padding


@pytest.mark.parametrize("softmax", ["adaptive", "full"])
def test_the_output_layer_gives_a_distribution(softmax):
    module = LanguageModelModule(vocab_size=12000, softmax=softmax, embedding_dim=8,
                                 hidden_size=8)
    h = torch.randn(5, 8)
    p = module.output.log_prob(h).exp()
    torch.testing.assert_close(p.sum(1), torch.ones(5))
    targets = torch.tensor([0, 3, 2500, 11000, 11999])
    torch.testing.assert_close(module.output.nll(h, targets),
                               -module.output.log_prob(h).gather(1, targets[:, None])[:, 0])
    assert (module.output.adaptive is not None) == (softmax == "adaptive")


def test_transform_pools_features_for_a_linear_model(bilm, imdb_small):
    X, y, X_te, y_te = imdb_small
    features = bilm.transform(X[:20])
    assert features.shape == (20, bilm.n_features_out_) == (20, 32 + 2 * 32)
    assert features.dtype == np.float32 and np.isfinite(features).all()
    assert not bilm.transform([""]).any()  # no token: zeros
    assert list(bilm.get_feature_names_out()[:2]) == ["languagemodel0", "languagemodel1"]
    # Fitted once and reused, as a user does: FrozenEstimator keeps the pipeline from
    # training the language model again.
    pipe = make_pipeline(FrozenEstimator(bilm), StandardScaler(),
                         LogisticRegression(C=0.1, max_iter=500)).fit(X, y)
    # The features carry what the classifier needs, on reviews it never saw: measured 0.63,
    # where features that carry nothing score about 0.5 (on the 400 training reviews random
    # features of the same width already reach 0.72, so only unseen reviews tell).
    assert pipe.score(X_te, y_te) > 0.57


def test_generate_continues_the_prompt(bilm):
    a = bilm.generate(["this movie was"], max_new_tokens=6, random_state=0)
    assert a == bilm.generate(["this movie was"], max_new_tokens=6, random_state=0)
    words = a[0].split()
    assert words[:3] == ["this", "movie", "was"] and len(words) == 9
    greedy = bilm.generate(["the film"], max_new_tokens=4, temperature=0)
    assert greedy == bilm.generate(["the film"], max_new_tokens=4, temperature=0,
                                   random_state=1)
    assert bilm.generate(["the film"], max_new_tokens=4, top_k=1) == greedy
    assert "<unk>" not in " ".join(bilm.generate(["the film"] * 5, max_new_tokens=10))
    with pytest.raises(ValueError, match="fill masks"):
        LanguageModel(**TRF, max_epochs=1).fit(["a b c d"] * 8).generate(["a"])
    with pytest.raises(ValueError, match="no token to start from"):
        bilm.generate(["   "])
    with pytest.raises(ValueError, match="top_k should be an integer >= 1"):
        bilm.generate(["the film"], top_k=0)
    with pytest.raises(ValueError, match="temperature should be a number >= 0"):
        bilm.generate(["the film"], temperature=-1)


def test_fill_mask_answers_a_chinese_cloze(zh_reviews):
    texts = zh_reviews.data[:1500]
    lm = LanguageModel(architecture="transformer", d_model=32, n_heads=2, n_layers=2,
                       dim_feedforward=64, seq_len=48, max_epochs=3, lr=3e-3,
                       random_state=0, n_jobs=1).fit(texts)
    assert lm.tokenizer_.analyzer == "char"  # Chinese reads as characters
    [[answers]] = lm.fill_mask(["这本书写得很[MASK]。"], top_k=5)
    tokens, probs = zip(*answers)
    assert len(answers) == 5 and all(len(t) == 1 for t in tokens)
    assert list(probs) == sorted(probs, reverse=True) and sum(probs) <= 1.0 + 1e-6
    two = lm.fill_mask(["[MASK]好", "我[MASK][MASK]喜欢"], top_k=2)
    assert [len(a) for a in two] == [1, 2]
    with pytest.raises(ValueError, match=r"no \[MASK\]"):
        lm.fill_mask(["没有空"])
    with pytest.raises(ValueError, match="objective='masked'"):
        LanguageModel(**LSTM, max_epochs=1).fit(texts[:50]).fill_mask(["[MASK]"])


def test_invalid_combinations_are_clear_errors(reviews):
    with pytest.raises(ValueError, match="'lstm' cannot train objective='masked'"):
        LanguageModel(objective="masked").fit(reviews[0][:10])
    with pytest.raises(ValueError, match="'transformer' cannot train objective="
                                         "'bidirectional'"):
        LanguageModel(architecture="transformer", objective="bidirectional").fit(["a b"])
    with pytest.raises(ValueError, match="nothing to predict"):
        LanguageModel(**LSTM).fit(["one", "two"])


class _FirstWeights(Callback):
    """Keeps the network's weights as training begins."""

    def on_train_begin(self, net, **kwargs):
        self.weights = {k: v.clone() for k, v in net.module_.state_dict().items()}


# The user guide advises pooling="attention" over a language model's states: its attention
# layer is new and everything beneath it starts from the language model all the same.
@pytest.mark.parametrize("pooling", ["max", "attention"])
def test_lstm_classifier_starts_from_the_language_model(bilm, reviews, pooling):
    X, y, _ = reviews
    spy = _FirstWeights()
    clf = LSTMClassifier(embedding_dim=32, hidden_size=32, max_epochs=1, pretrained=bilm,
                         pooling=pooling, random_state=0, callbacks=[spy]).fit(X[:100],
                                                                               y[:100])
    lm = bilm.net_.module_.state_dict()
    torch.testing.assert_close(spy.weights["embedding.weight"], lm["embedding.weight"])
    torch.testing.assert_close(spy.weights["lstm.layers.0.0.weight_hh_l0"],
                               lm["forward_layers.0.weight_hh_l0"])
    torch.testing.assert_close(spy.weights["lstm.layers.0.1.weight_ih_l0"],
                               lm["backward_layers.0.weight_ih_l0"])
    assert clf.tokenizer_.vocabulary_ == bilm.tokenizer_.vocabulary_
    assert clf.tokenizer_.maxlen_ == 400 and not hasattr(clf, "_language_model_")
    if pooling == "attention":
        (tokens, weights), = clf.attention_weights(X[:1])
        assert len(tokens) == len(weights) and weights.sum() == pytest.approx(1, abs=1e-5)
        return
    with pytest.raises(ValueError, match=r"\(32, 32, 1\) and the LSTMClassifier \(16, 32, 1\)"):
        LSTMClassifier(embedding_dim=16, hidden_size=32, pretrained=bilm).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="architecture='transformer'"):
        TransformerClassifier(d_model=16, pretrained=bilm).fit(X[:20], y[:20])
    with pytest.raises(TypeError, match="pretrained should be a LanguageModel"):
        LSTMClassifier(pretrained="bert").fit(X[:20], y[:20])
    with pytest.raises(TypeError, match="pretrained should be a LanguageModel.*got Word2Vec"):
        TransformerClassifier(pretrained=Word2Vec()).fit(X[:20], y[:20])


def test_a_frozen_language_model_is_reused_by_every_clone(bilm, reviews):
    # A search or cross-validation clones the classifier, and clone unfits a language
    # model like any parameter: the clone trains a new one on its own texts. Wrapped in
    # FrozenEstimator, the fitted one is kept, and every clone starts from it.
    X, y, _ = reviews
    params = dict(embedding_dim=32, hidden_size=32, max_epochs=1, random_state=0)
    refitted = clone(LSTMClassifier(**params, pretrained=bilm)).fit(X[:60], y[:60])
    assert refitted.tokenizer_.n_documents_ == 60  # a new language model, of 60 reviews
    kept = clone(LSTMClassifier(**params, pretrained=FrozenEstimator(bilm),
                                callbacks=[_FirstWeights()])).fit(X[:60], y[:60])
    assert kept.tokenizer_.vocabulary_ == bilm.tokenizer_.vocabulary_
    torch.testing.assert_close(kept.callbacks[0].weights["lstm.layers.0.0.weight_hh_l0"],
                               bilm.net_.module_.state_dict()["forward_layers.0.weight_hh_l0"])
    scores = cross_val_score(LSTMClassifier(**params, pretrained=FrozenEstimator(bilm)),
                             X[:90], y[:90], cv=3)
    assert len(scores) == 3 and np.isfinite(scores).all()
    with pytest.raises(NotFittedError, match="fit it first"):
        LSTMClassifier(**params, pretrained=FrozenEstimator(LanguageModel(**LSTM))).fit(
            X[:20], y[:20])


def test_a_saved_fine_tuned_classifier_leaves_the_language_model_out(bilm, reviews,
                                                                     tmp_path):
    # The language model's weights are copied into the classifier's network; writing them
    # again with the classifier would double its file for nothing prediction reads.
    X, y, X_te = reviews
    params = dict(embedding_dim=32, hidden_size=32, max_epochs=1, random_state=0)
    sknlp.save(bilm, tmp_path / "lm.sknlp")
    for name, given in (("plain", bilm), ("frozen", FrozenEstimator(bilm))):
        clf = LSTMClassifier(**params, pretrained=given).fit(X[:60], y[:60])
        sknlp.save(clf, tmp_path / f"{name}.sknlp")
        loaded = sknlp.load(tmp_path / f"{name}.sknlp")
        np.testing.assert_array_equal(loaded.predict_proba(X_te[:20]),
                                      clf.predict_proba(X_te[:20]))
        # (measured: 0.31 MiB, the size of the classifier's weights; the language model
        # alone is 0.56 MiB, which the file held as well before)
        assert (tmp_path / f"{name}.sknlp").stat().st_size < 0.8 * (
            (tmp_path / "lm.sknlp").stat().st_size + clf.n_parameters_ * 4)
        assert clf.pretrained is given and hasattr(bilm, "net_")  # the model is untouched
        kept = loaded.pretrained.estimator if name == "frozen" else loaded.pretrained
        assert kept.get_params()["hidden_size"] == 32 and not hasattr(kept, "net_")
    with pytest.raises(NotFittedError, match="fit it first"):  # frozen, but never fitted
        loaded.fit(X[:20], y[:20])


def test_a_distilled_student_starts_from_its_language_model(bilm, reviews):
    # DistilledClassifier trains its student itself; a student given pretrained= must
    # still start from the language model, not from random weights.
    X, y, _ = reviews
    teacher = make_pipeline(NGram(), LogisticRegression())
    y_all = np.concatenate([y[:60], np.full(40, -1)])
    dist = DistilledClassifier(
        teacher=teacher, random_state=0,
        student=LSTMClassifier(embedding_dim=32, hidden_size=32, max_epochs=1,
                               pretrained=bilm, callbacks=[_FirstWeights()])).fit(X[:100],
                                                                                  y_all)
    own = bilm.net_.module_.state_dict()
    spy = dist.student_.callbacks[0]  # the student's clone's
    torch.testing.assert_close(spy.weights["embedding.weight"], own["embedding.weight"])
    torch.testing.assert_close(spy.weights["lstm.layers.0.1.weight_ih_l0"],
                               own["backward_layers.0.weight_ih_l0"])
    assert dist.student_.tokenizer_.vocabulary_ == bilm.tokenizer_.vocabulary_
    assert not hasattr(dist.student_, "_language_model_")
    # an unfitted one learns the language from every text, the unlabelled rows too
    fresh = DistilledClassifier(
        teacher=teacher, random_state=0,
        student=LSTMClassifier(embedding_dim=32, hidden_size=32, max_epochs=1,
                               pretrained=LanguageModel(**LSTM, max_epochs=1))).fit(X[:100],
                                                                                    y_all)
    assert fresh.student_.tokenizer_.n_documents_ == 100
    with pytest.raises(ValueError, match="embeddings= or pretrained=, not both"):
        DistilledClassifier(teacher=teacher, student=LSTMClassifier(
            pretrained=bilm, embeddings=Word2Vec())).fit(X[:100], y_all)
    with pytest.raises(TypeError, match="pretrained should be a LanguageModel"):
        DistilledClassifier(teacher=teacher, student=LSTMClassifier(
            pretrained="lm.sknlp")).fit(X[:100], y_all)


def test_word2vec_vectors_start_the_language_model(reviews):
    X = reviews[0]
    w2v = Word2Vec(vector_size=32, min_count=2, epochs=2, random_state=0).fit(X)
    spy = _FirstWeights()
    lm = LanguageModel(**LSTM, max_epochs=1, embeddings=w2v, freeze_embeddings=True,
                       callbacks=[spy]).fit(X)
    vocab = lm.tokenizer_.vocabulary_
    start = spy.weights["embedding.weight"]
    for word in ("film", "bad", "actors"):
        np.testing.assert_allclose(start[vocab[word]].numpy(), w2v.wv_[word], rtol=1e-6)
    # frozen: the features' first columns stay the mean of the Word2Vec vectors
    torch.testing.assert_close(lm.net_.module_.embedding.weight, start)
    np.testing.assert_allclose(lm.transform(["bad film"])[0, :32],
                               (w2v.wv_["bad"] + w2v.wv_["film"]) / 2, rtol=1e-5)
    # a masked Transformer of the vectors' width; its [MASK] row starts at zero
    masked = LanguageModel(**{**TRF, "d_model": 32}, max_epochs=1, embeddings=w2v,
                           callbacks=[spy]).fit(X[:100])
    assert not spy.weights["embedding.weight"][masked.mask_id_].any()
    assert masked.fill_mask(["a [MASK] film"])[0]
    # the vectors enter at their own scale, as they do a TransformerClassifier's (the
    # table times sqrt(d_model) is the Word2Vec vector; at 17 times their size, they would
    # drown the positions), and a classifier fine-tuned from the language model reads its
    # trained table at the language model's scale
    film = masked.tokenizer_.vocabulary_["film"]
    np.testing.assert_allclose(spy.weights["embedding.weight"][film].numpy() * 32**0.5,
                               w2v.wv_["film"], rtol=1e-5)
    clf = TransformerClassifier(d_model=32, n_heads=2, n_layers=1, dim_feedforward=32,
                                max_epochs=1, pretrained=masked, random_state=0,
                                callbacks=[spy]).fit(X[:40], reviews[1][:40])
    torch.testing.assert_close(
        spy.weights["embedding.weight"][film] * clf.net_.module_.embedding_scale,
        masked.net_.module_.embedding.weight[film].detach() * 32**0.5)
    with pytest.raises(ValueError, match="32 dimensions and d_model=16"):
        LanguageModel(**TRF, embeddings=w2v).fit(X[:20])
    with pytest.raises(TypeError, match="embeddings should be a sknlp Word2Vec"):
        LanguageModel(**LSTM, embeddings="glove.txt").fit(X[:20])


def test_unlabelled_rows_train_the_language_model_only(reviews, tmp_path):
    X, y, X_te = reviews
    y = y.astype(int).copy()
    y[100:] = -1  # 300 unlabelled reviews
    clf = LSTMClassifier(embedding_dim=32, hidden_size=32, max_epochs=1, random_state=0,
                         validation_fraction=0.2, pretrained=LanguageModel(**LSTM,
                                                                           max_epochs=1))
    clf.fit(X, y)
    assert clf.classes_.tolist() == [0, 1]  # -1 is no class
    assert clf.tokenizer_.n_documents_ == len(X)  # the language model read every text
    n_train = sum(clf.history_[-1, "batches", :, "train_batch_size"])
    assert n_train == 80  # 80 % of the 100 labelled rows; no unlabelled row
    sknlp.save(clf, tmp_path / "clf.sknlp")
    loaded = sknlp.load(tmp_path / "clf.sknlp")
    np.testing.assert_array_equal(loaded.predict_proba(X_te[:20]), clf.predict_proba(X_te[:20]))


@pytest.fixture(scope="module")
def masked(reviews):
    return LanguageModel(**TRF, max_epochs=1).fit(reviews[0][:200])


# The user guide advises mean pooling over a masked model's states (its [CLS] token is new
# to them); whatever the pooling, the encoder starts from the model.
@pytest.mark.parametrize("pooling", ["cls", "mean", "attention"])
def test_transformer_classifier_starts_from_a_masked_model(masked, reviews, pooling):
    X, y, _ = reviews
    lm = masked
    spy = _FirstWeights()
    clf = TransformerClassifier(d_model=16, n_heads=2, n_layers=1, dim_feedforward=32,
                                max_epochs=1, pretrained=lm, pooling=pooling, random_state=0,
                                callbacks=[spy]).fit(X[:100], y[:100])
    assert clf.tokenizer_.vocabulary_ == lm.tokenizer_.vocabulary_
    own = lm.net_.module_.state_dict()
    for name in ("blocks.0.attn.qkv.weight", "blocks.0.mlp.0.weight", "ln_f.weight"):
        torch.testing.assert_close(spy.weights[name], own[name])
    rows = spy.weights["embedding.weight"].shape[0]
    torch.testing.assert_close(spy.weights["embedding.weight"], own["embedding.weight"][:rows])
    if pooling == "attention":
        (tokens, weights), = clf.attention_weights(X[:1])
        assert len(tokens) == len(weights) and weights.sum() == pytest.approx(1, abs=1e-5)


def test_saved_language_model_gives_the_same_answers(bilm, reviews, tmp_path):
    sknlp.save(bilm, tmp_path / "lm.sknlp")
    loaded = sknlp.load(tmp_path / "lm.sknlp")
    np.testing.assert_array_equal(loaded.transform(reviews[2][:10]),
                                  bilm.transform(reviews[2][:10]))
    assert loaded.score(reviews[2][:30]) == bilm.score(reviews[2][:30])
    assert loaded.generate(["a good"], max_new_tokens=5, random_state=3) == bilm.generate(
        ["a good"], max_new_tokens=5, random_state=3)


def test_bfloat16_pretraining_reaches_the_float32_perplexity(bilm, reviews):
    # The adaptive softmax and the LSTMs under autocast: the loss is still computed from
    # float32 outputs, so the model must learn as the float32 fixture does.
    # (measured: perplexity of the training text 133.2 float32, 133.4 bfloat16)
    half = LanguageModel(**LSTM, max_epochs=6, lr=1e-2, precision="bfloat16").fit(reviews[0])
    assert half.perplexity(reviews[0]) < 1.1 * bilm.perplexity(reviews[0])
    assert half.perplexity(reviews[0]) < 0.8 * _unigram_perplexity(half, reviews[0])
