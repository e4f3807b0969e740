import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sknlp.preprocessing import NGram, NGramSequences, Tokenizer, ngrams


def test_ngrams_as_the_course_defines_them():
    assert ngrams(["w1", "w2", "w3"], 2) == [["w1", "w2"], ["w2", "w3"]]
    assert ngrams(["w1"], 2) == []
    with pytest.raises(ValueError):
        ngrams(["a"], 0)


def test_word_ngrams_match_countvectorizer(imdb_small):
    docs = [d for d in imdb_small[0] if d.isascii()][:100]
    cv = CountVectorizer(token_pattern=r"(?u)[^\W_]+", ngram_range=(1, 3), min_df=2)
    ng = NGram(ngram_range=(1, 3), min_df=2)
    assert abs(cv.fit_transform(docs) - ng.fit_transform(docs)).sum() == 0
    assert ng.get_feature_names_out().tolist() == cv.get_feature_names_out().tolist()
    assert abs(cv.transform(docs[:5]) - ng.transform(docs[:5])).sum() == 0


def test_ngrams_do_not_cross_documents():
    ng = NGram(ngram_range=(2, 2)).fit(["a b", "c d"])
    assert ng.get_feature_names_out().tolist() == ["a b", "c d"]


def test_char_ngrams_for_chinese(zh_reviews):
    ng = NGram(analyzer="char", ngram_range=(1, 2)).fit(zh_reviews.data[:200])
    names = set(ng.get_feature_names_out())
    assert "不错" in names
    row = ng.transform(["不错"])
    assert row.nnz == 3  # 不, 错, 不错


def test_hashing():
    ng = NGram(hashing=True, n_features=64, ngram_range=(1, 2)).fit(["a b", "b c"])
    X = ng.transform(["a b", "b c", "a b"])
    assert X.shape == (3, 64)
    assert (X[0] != X[2]).nnz == 0 and X[0].sum() == 3
    assert len(ng.get_feature_names_out()) == 64
    with pytest.raises(ValueError, match="max_features"):
        NGram(hashing=True, max_features=10).fit(["a"])


def test_hashed_columns_match_hashing_vectorizer(imdb_tiny):
    # Same tokens, same hash: the columns a HashingVectorizer user already has.
    from sklearn.feature_extraction.text import HashingVectorizer

    docs = list(imdb_tiny[0][:60])

    def grams(doc):
        toks = doc.split()
        return toks + [" ".join(p) for p in zip(toks, toks[1:])] + [
            " ".join(p) for p in zip(toks, toks[1:], toks[2:])]

    ours = NGram(analyzer=str.split, hashing=True, n_features=2**12, ngram_range=(1, 3),
                 weighting="count", norm=None).fit_transform(docs)
    theirs = HashingVectorizer(analyzer=grams, n_features=2**12, alternate_sign=False,
                               norm=None).transform(docs)
    assert abs(ours - theirs).max() == 0


def test_invalid_ngram_range():
    with pytest.raises(ValueError, match="ngram_range"):
        NGram(ngram_range=(2, 1)).fit(["a b"])


def test_sequences_append_ngram_ids_after_tokens():
    tok = Tokenizer(maxlen=4, oov_token=None).fit(["a b c", "a b"])
    S = tok.transform(["a b c", "a b", "c"])
    ng = NGramSequences(vocab_size=tok.vocab_size_).fit(S)
    out = ng.transform(S)
    assert ng.n_token_ids_ == tok.vocab_size_ == 4
    assert ng.vocab_size_ == 6  # two bigrams: (a, b) and (b, c)
    ab, bc = 4, 5
    assert out.tolist() == [[1, 2, 3, ab, bc, 0, 0, 0],
                            [1, 2, ab, 0, 0, 0, 0, 0],
                            [3, 0, 0, 0, 0, 0, 0, 0]]
    assert out.max() < ng.vocab_size_


def test_sequences_min_df_and_pipeline(imdb_small):
    X = imdb_small[0][:100]
    pipe = make_pipeline(Tokenizer(num_words=2000, maxlen=64),
                         NGramSequences(min_df=3, vocab_size=2000))
    out = pipe.fit_transform(X)
    ng = pipe[-1]
    assert out.shape == (100, 128)
    assert out.max() < ng.vocab_size_ and (out >= ng.n_token_ids_).any()


def test_sequences_reject_unseen_large_ids():
    ng = NGramSequences().fit(np.array([[1, 2, 0]]))
    with pytest.raises(ValueError, match="vocab_size"):
        ng.transform(np.array([[1, 7]]))


def test_nb_trigram_pipeline_learns(imdb_small):
    X_tr, y_tr, X_te, y_te = imdb_small
    pipe = make_pipeline(NGram(ngram_range=(1, 3), weighting="nb"), LogisticRegression(C=0.1))
    assert pipe.fit(X_tr, y_tr).score(X_te, y_te) > 0.7


@pytest.mark.parametrize("params", [{}, {"hashing": True, "n_features": 32}])
def test_get_feature_names_out_changes_no_state(params, imdb_tiny):
    ng = NGram(ngram_range=(1, 2), **params).fit(imdb_tiny[0])
    before = pickle.dumps(ng)
    ng.get_feature_names_out()
    assert pickle.dumps(ng) == before


def test_the_old_sequences_spelling_warns_and_gives_the_same_ids(imdb_tiny):
    S = Tokenizer(num_words=300, maxlen=30).fit_transform(imdb_tiny[0])
    new = NGramSequences(min_df=2, vocab_size=300).fit(S)
    with pytest.warns(FutureWarning, match="use NGramSequences"):
        old = NGram(output="sequences", min_df=2, vocab_size=300).fit(S)
    np.testing.assert_array_equal(old.transform(S), new.transform(S))
    assert (old.vocab_size_, old.maxlen_) == (new.vocab_size_, new.maxlen_)
    with pytest.raises(AttributeError, match="id sequences"):
        old.get_feature_names_out()
