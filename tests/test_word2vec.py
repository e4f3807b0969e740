import os
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors

from sknlp.embeddings import Word2Vec
from sknlp.preprocessing import Tokenizer

analyze = Tokenizer().build_analyzer()  # the default word analyzer

SMALL = dict(vector_size=16, min_count=2, epochs=3, random_state=0)


@pytest.fixture(scope="module")
def fitted(lee_corpus):
    return Word2Vec(**SMALL).fit(lee_corpus)


def test_mean_pooling_is_the_mean_of_known_word_vectors(fitted):
    doc = "the minister said that zzqx the"
    words = [w for w in analyze(doc) if w in fitted.wv_.key_to_index]
    expected = np.mean([fitted.wv_[w] for w in words], axis=0)
    np.testing.assert_allclose(fitted.transform([doc])[0], expected, rtol=1e-5)


def test_max_and_tfidf_pooling(fitted):
    doc = "the minister said"
    words = analyze(doc)
    vecs = np.array([fitted.wv_[w] for w in words])
    maxed = fitted.set_params(pooling="max").transform([doc, "police", ""])
    np.testing.assert_allclose(maxed[0], vecs.max(axis=0), rtol=1e-6)
    np.testing.assert_allclose(maxed[1], fitted.wv_["police"], rtol=1e-6)
    w = np.array([fitted.idf_[fitted.wv_.key_to_index[t]] for t in words])
    tfidf = fitted.set_params(pooling="tfidf").transform([doc])[0]
    np.testing.assert_allclose(tfidf, (w[:, None] * vecs).sum(0) / w.sum(), rtol=1e-5)
    fitted.set_params(pooling="mean")


def test_documents_without_known_words_give_zero_vectors_not_nan(fitted):
    out = fitted.transform(["", "qqzzx vvkkw", "!!!"])
    assert out.shape == (3, 16) and not np.isnan(out).any() and not out.any()


def test_skipgram_and_cbow_learn_something(lee_corpus):
    for sg in (0, 1):
        w2v = Word2Vec(vector_size=32, min_count=3, epochs=10, sg=sg, random_state=0)
        w2v.fit(lee_corpus)
        near = [w for w, _ in w2v.wv_.most_similar("police", topn=30)]
        assert len(near) == 30
        # in this news corpus, "police" co-occurs with officers and the like
        assert w2v.wv_.similarity("police", "officers") > w2v.wv_.similarity("police", "cricket")


def test_same_random_state_same_vectors_across_processes(lee_corpus, tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from gensim.test.utils import datapath\n"
        "from sknlp.embeddings import Word2Vec\n"
        "docs = [l for l in open(datapath('lee_background.cor'), encoding='utf-8') if l.strip()]\n"
        "w = Word2Vec(vector_size=16, min_count=2, epochs=2, random_state=7).fit(docs)\n"
        "np.save(sys.argv[1], w.transform(docs[:20]))\n"
    )
    outs = []
    for seed in ("1", "2"):  # different string-hash seeds must not matter
        path = tmp_path / f"out{seed}.npy"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env)
        outs.append(np.load(path))
    np.testing.assert_array_equal(outs[0], outs[1])


@pytest.mark.parametrize("binary", [False, True])
def test_pretrained_vectors_from_a_file(fitted, lee_corpus, tmp_path, binary):
    path = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    fitted.wv_.save_word2vec_format(str(path), binary=binary)
    loaded = Word2Vec(pretrained=str(path)).fit(lee_corpus[:5])
    assert loaded.vector_size_ == 16
    np.testing.assert_allclose(loaded.transform(lee_corpus[:10]),
                               fitted.transform(lee_corpus[:10]), rtol=1e-5, atol=1e-6)


def test_pretrained_keyed_vectors_object(fitted):
    kv = KeyedVectors(vector_size=3)
    kv.add_vectors(["good", "bad"], np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))
    w = Word2Vec(pretrained=kv).fit(["good film"])
    np.testing.assert_allclose(w.transform(["good bad unknown"]), [[0.5, 0.5, 0]])
    with pytest.raises(FileNotFoundError):
        Word2Vec(pretrained="/nonexistent/vectors.bin").fit(["a"])
    with pytest.raises(TypeError, match="pretrained"):
        Word2Vec(pretrained=42).fit(["a"])


def test_long_documents_are_not_truncated():
    words = [f"w{i % 50}" for i in range(12_000)] + ["lastword"] * 5
    w = Word2Vec(vector_size=4, min_count=5, epochs=1, random_state=0).fit([" ".join(words)])
    assert "lastword" in w.wv_.key_to_index


def test_empty_vocabulary_is_explained():
    with pytest.raises(ValueError, match="min_count=5"):
        Word2Vec().fit(["a b c"])


def test_embedding_matrix_rows_follow_tokenizer_ids(fitted, lee_corpus):
    tok = Tokenizer(num_words=300).fit(lee_corpus)
    M, coverage = fitted.embedding_matrix(tok, random_state=0, return_coverage=True)
    assert M.shape == (300, 16) and M.dtype == np.float32
    assert not M[0].any()  # padding
    the = tok.vocabulary_["the"]
    np.testing.assert_array_equal(M[the], fitted.wv_["the"])
    assert coverage > 0.9


def test_char_bigram_vectors_initialise_a_bigram_tokenizer(zh_reviews):
    docs = zh_reviews.data[:1500]
    tok = Tokenizer(analyzer="char", ngram_range=(1, 2), num_words=2000).fit(docs)
    w2v = Word2Vec(analyzer="char", ngram_range=(1, 2), **SMALL).fit(docs)
    M, coverage = w2v.embedding_matrix(tok, random_state=0, return_coverage=True)
    bigram = next(t for t, n in zip(tok.index_to_token_, tok.token_orders_) if n == 2)
    np.testing.assert_array_equal(M[tok.vocabulary_[bigram]], w2v.wv_[bigram])
    assert coverage > 0.9
    # without the same ngram_range the bigrams have no vectors
    _, plain = Word2Vec(analyzer="char", **SMALL).fit(docs).embedding_matrix(
        tok, return_coverage=True)
    assert plain < 0.5


def test_set_output_pandas_and_feature_names(fitted, lee_corpus):
    fitted.set_output(transform="pandas")
    try:
        df = fitted.transform(lee_corpus[:3])
        assert df.shape == (3, 16) and df.columns[0] == "word2vec0"
    finally:
        fitted.set_output(transform="default")
    assert fitted.get_feature_names_out()[-1] == "word2vec15"


def test_progress_bar(lee_corpus, capsys):
    Word2Vec(vector_size=4, min_count=2, epochs=2, random_state=0, verbose=True).fit(
        lee_corpus[:50])
    assert "2/2" in capsys.readouterr().err
