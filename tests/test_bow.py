import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sknlp.preprocessing import BagOfWords

# the word analyzer on ASCII text, written as a scikit-learn token pattern
PATTERN = r"(?u)[^\W_]+"


@pytest.fixture
def ascii_docs(imdb_small):
    return [d for d in imdb_small[0] if d.isascii()][:150]


def test_counts_match_countvectorizer_on_real_reviews(ascii_docs):
    cv = CountVectorizer(token_pattern=PATTERN, min_df=2)
    bow = BagOfWords(min_df=2)
    expected, got = cv.fit_transform(ascii_docs), bow.fit_transform(ascii_docs)
    assert bow.get_feature_names_out().tolist() == cv.get_feature_names_out().tolist()
    assert sp.isspmatrix_csr(got) or sp.issparse(got)
    assert abs(expected - got).sum() == 0
    assert abs(cv.transform(ascii_docs[:10]) - bow.transform(ascii_docs[:10])).sum() == 0


@pytest.mark.parametrize("sublinear", [False, True])
def test_tfidf_matches_tfidfvectorizer(ascii_docs, sublinear):
    tv = TfidfVectorizer(token_pattern=PATTERN, sublinear_tf=sublinear)
    bow = BagOfWords(weighting="tfidf", sublinear_tf=sublinear)
    np.testing.assert_allclose(tv.fit_transform(ascii_docs).toarray(),
                               bow.fit_transform(ascii_docs).toarray(), atol=1e-12)
    np.testing.assert_allclose(bow.idf_, tv.idf_)


def test_binary_weighting():
    X = BagOfWords(weighting="binary").fit_transform(["a a b", "b"])
    assert X.toarray().tolist() == [[1, 1], [0, 1]]


def test_nb_ratios_point_the_right_way(imdb_small):
    X, y = imdb_small[0], imdb_small[1]
    bow = BagOfWords(weighting="nb").fit(X, y)
    r = dict(zip(bow.get_feature_names_out(), bow.nb_ratio_[0]))
    assert r["great"] > 0.5 and r["worst"] < -0.5  # label 1 is positive
    Xt = bow.transform(X[:5]).toarray()
    col = bow.vocabulary_["great"]
    present = ["great" in d.lower().split() for d in X[:5]]
    assert all((Xt[i, col] != 0) == present[i] for i in range(5) if present[i])


def test_nb_needs_y_and_two_classes(imdb_small):
    X = imdb_small[0][:20]
    with pytest.raises(ValueError, match="supervised"):
        BagOfWords(weighting="nb").fit(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        BagOfWords(weighting="nb").fit(X, np.zeros(20))
    with pytest.raises(ValueError, match="different lengths"):
        BagOfWords(weighting="nb").fit(X, np.zeros(19))


def test_nb_multiclass_ovr_stacks_one_block_per_class():
    X = ["good", "bad", "meh", "good good", "bad bad", "meh meh"]
    y = ["pos", "neg", "mid"] * 2
    bow = BagOfWords(weighting="nb", nb_multiclass="ovr").fit(X, y)
    assert bow.transform(X).shape == (6, 9)
    assert bow.get_feature_names_out()[:3].tolist() == ["mid:bad", "mid:good", "mid:meh"]


def test_nb_multiclass_max_keeps_one_block_weighted_by_the_most_telling_class():
    X = ["good film", "bad film", "meh film", "good plot", "bad plot", "meh"]
    y = ["pos", "neg", "mid"] * 2
    ovr = BagOfWords(weighting="nb", nb_multiclass="ovr").fit(X, y)
    bow = BagOfWords(weighting="nb").fit(X, y)  # "max" is the default
    assert bow.transform(X).shape == (6, 5)
    assert bow.get_feature_names_out().tolist() == ["bad", "film", "good", "meh", "plot"]
    np.testing.assert_allclose(bow.nb_ratio_[0], np.abs(ovr.nb_ratio_).max(0))
    # a word of one class outweighs one spread over two
    r = dict(zip(bow.get_feature_names_out(), bow.nb_ratio_[0]))
    assert r["good"] > r["film"]


def test_min_df_max_df_max_features():
    docs = ["a b c", "a b", "a d", "a"]
    assert BagOfWords(min_df=2).fit(docs).get_feature_names_out().tolist() == ["a", "b"]
    assert BagOfWords(max_df=0.9).fit(docs).get_feature_names_out().tolist() == ["b", "c", "d"]
    assert BagOfWords(max_features=2).fit(docs).get_feature_names_out().tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="fewer documents than min_df"):
        BagOfWords(min_df=3, max_df=2).fit(docs)
    with pytest.raises(ValueError, match="empty vocabulary"):
        BagOfWords().fit(["!!!", "..."])


def test_pipeline_cross_val_and_grid_search(imdb_small):
    X_tr, y_tr, X_te, y_te = imdb_small
    pipe = make_pipeline(BagOfWords(weighting="tfidf"), LogisticRegression(C=10))
    assert pipe.fit(X_tr, y_tr).score(X_te, y_te) > 0.7
    assert cross_val_score(pipe, X_tr, y_tr, cv=3).mean() > 0.65
    search = GridSearchCV(pipe, {"bagofwords__weighting": ["tfidf", "binary"]}, cv=2)
    search.fit(X_tr, y_tr)
    assert search.best_params_["bagofwords__weighting"] in {"tfidf", "binary"}


def test_chinese_char_bag(zh_reviews):
    bow = BagOfWords(analyzer="char").fit(zh_reviews.data[:300])
    names = set(bow.get_feature_names_out())
    assert "好" in names and all(len(n) == 1 for n in names)


def test_unknown_only_and_empty_documents_give_zero_rows():
    bow = BagOfWords().fit(["a b"])
    assert bow.transform(["", "zzz"]).nnz == 0
