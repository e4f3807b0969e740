import numpy as np
import pytest

from sknlp.embeddings import FastText, Word2Vec
from sknlp.neural import LSTMClassifier
from sknlp.preprocessing import Tokenizer

SMALL = dict(vector_size=32, min_count=2, epochs=10, bucket=20000, random_state=0)


@pytest.fixture(scope="module")
def fitted(lee_corpus):
    return FastText(**SMALL).fit(lee_corpus)


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_misspelt_words_get_vectors_near_the_right_word(fitted):
    assert "governmnet" not in fitted.wv_.key_to_index
    assert _cos(fitted.wv_["governmnet"], fitted.wv_["government"]) > 0.8
    row = fitted.transform(["the governmnet"])[0]
    assert _cos(row, fitted.transform(["the government"])[0]) > 0.9


def test_more_test_tokens_get_vectors_than_with_word2vec(imdb_small):
    X_tr, _, X_te, _ = imdb_small
    params = dict(vector_size=16, min_count=2, epochs=2, random_state=0)
    ft = FastText(**params, bucket=20000).fit(X_tr)
    w2v = Word2Vec(**params).fit(X_tr)
    assert ft.coverage(X_te) > w2v.coverage(X_te) + 0.02
    assert ft.coverage(X_te) <= 1.0


def test_max_n_zero_is_plain_word_vectors(lee_corpus):
    ft = FastText(**{**SMALL, "epochs": 1}, max_n=0).fit(lee_corpus[:50])
    assert not ft.transform(["governmnet"]).any()
    with pytest.raises(ValueError, match="max_n"):
        FastText(min_n=4, max_n=3).fit(lee_corpus[:5])


def test_initialises_a_classifier_with_vectors_for_rare_tokens(imdb_small):
    X_tr, y_tr = imdb_small[0][:120], imdb_small[1][:120]
    ft = FastText(vector_size=8, min_count=3, epochs=2, bucket=20000, random_state=0)
    tok = Tokenizer(num_words=3000, maxlen=60).fit(X_tr)
    ft.fit(X_tr)
    # tokens below min_count have no word vector of their own, but their n-grams do
    _, cov_ft = ft.embedding_matrix(tok, random_state=0, return_coverage=True)
    _, cov_w2v = Word2Vec(vector_size=8, min_count=3, epochs=2, random_state=0).fit(
        X_tr).embedding_matrix(tok, random_state=0, return_coverage=True)
    assert cov_ft > cov_w2v
    clf = LSTMClassifier(embeddings=ft, freeze_embeddings=True, tokenizer=tok,
                         hidden_size=8, max_epochs=1, random_state=0).fit(X_tr, y_tr)
    weights = clf.net_.module_.embedding.weight.detach().numpy()
    np.testing.assert_allclose(weights[tok.vocabulary_["good"]], ft.wv_["good"], rtol=1e-6)


def test_chinese_words_from_their_characters(zh_reviews):
    jieba = pytest.importorskip("jieba")
    docs = zh_reviews.data[:1500]
    ft = FastText(analyzer=jieba.lcut, vector_size=16, min_count=2, min_n=1, max_n=2,
                  epochs=5, bucket=20000, random_state=0).fit(docs)
    word2vec = Word2Vec(analyzer=jieba.lcut, vector_size=16, min_count=2, epochs=5,
                        random_state=0).fit(docs)
    held_out = zh_reviews.data[-300:]
    assert ft.coverage(held_out) > word2vec.coverage(held_out)


def test_pretrained_facebook_bin(tmp_path, fitted, lee_corpus):
    from gensim.models import FastText as GensimFastText
    from gensim.models.fasttext import save_facebook_model

    model = GensimFastText(vector_size=8, min_count=2, epochs=1, bucket=5000, seed=0)
    sentences = [d.lower().split() for d in lee_corpus[:50]]
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1)
    path = tmp_path / "vectors.bin"
    save_facebook_model(model, str(path))
    ft = FastText(pretrained=path).fit(lee_corpus[:5])
    np.testing.assert_allclose(ft.wv_["governmnet"], model.wv["governmnet"], rtol=1e-5)
    (tmp_path / "junk.bin").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="fastText"):
        FastText(pretrained=tmp_path / "junk.bin").fit(["a"])
