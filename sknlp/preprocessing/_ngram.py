"""N-gram features: sparse bags for linear models, extra ids for neural models."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._bow import _BAG_DOC, _BaseBag
from ._ngram_sequences import NGramSequences
from ._text import check_ngram_range, interleave_ngrams


class NGram(_BaseBag):
    __doc__ = (
        """N-gram features of documents, for linear models.

    An n-gram is a window of ``n`` consecutive tokens: for ``n=2`` the tokens
    ``[w1, w2, w3]`` give ``[[w1, w2], [w2, w3]]`` (see :func:`ngrams`). Raw documents in, a
    sparse bag of every n-gram with ``n`` in ``ngram_range`` out (word or character
    n-grams), weighted like :class:`BagOfWords` (``"nb"`` gives NBSVM-style features).
    ``hashing=True`` hashes the n-grams into ``n_features`` columns instead of keeping a
    vocabulary, for corpora whose n-gram vocabulary would not fit in memory.

    For n-gram ids appended to a :class:`Tokenizer`'s sequences (fastText's trick, for
    neural models), see :class:`NGramSequences`.
    """
        + _BAG_DOC.format(
            extra="""ngram_range : tuple (min_n, max_n), default=(1, 2)
        Orders of the n-grams to use, both ends included.
    output : {{"sparse", "sequences"}}, default="sparse"
        ``"sequences"`` is deprecated (a ``FutureWarning``; removed in 0.3): it makes this
        estimator an :class:`NGramSequences`, which should be used instead.
    hashing : bool, default=False
        Sparse output only: hash n-grams into ``n_features`` columns (no vocabulary,
        no ``max_features``/``min_df``/``max_df``; feature names are ``hash_<i>``).
    n_features : int, default=2**20
        Number of hashed columns.
    maxlen, vocab_size : int, default=None
        Deprecated with ``output="sequences"``; see :class:`NGramSequences`.
    """,
            default_w="count", default_min_df=1, default_sublinear=False)
        + """
    See Also
    --------
    BagOfWords : Unigram features.
    NGramSequences : n-gram ids for neural models.

    Examples
    --------
    >>> from sknlp.preprocessing import NGram
    >>> ng = NGram(ngram_range=(2, 2)).fit(["not good at all", "very good"])
    >>> ng.get_feature_names_out().tolist()
    ['at all', 'good at', 'not good', 'very good']
    """
    )

    _parameter_constraints = {
        **_BaseBag._parameter_constraints,
        "ngram_range": [tuple],
        "output": [StrOptions({"sparse", "sequences"})],
        "hashing": ["boolean"],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "vocab_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, ngram_range=(1, 2), output="sparse", hashing=False,
                 n_features=2**20, maxlen=None, vocab_size=None, weighting="count",
                 max_features=None, min_df=1, max_df=1.0, sublinear_tf=False, norm="auto",
                 nb_alpha=1.0, nb_multiclass="max", dtype=np.float64, analyzer="word",
                 lower=True, filters=None, split=None):
        self.ngram_range = ngram_range
        self.output = output
        self.hashing = hashing
        self.n_features = n_features
        self.maxlen = maxlen
        self.vocab_size = vocab_size
        self.weighting = weighting
        self.max_features = max_features
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.nb_alpha = nb_alpha
        self.nb_multiclass = nb_multiclass
        self.dtype = dtype
        self.analyzer = analyzer
        self.lower = lower
        self.filters = filters
        self.split = split

    def _orders(self):
        lo, hi = self.ngram_range
        return tuple(range(lo, hi + 1))

    def _check_params(self):
        check_ngram_range(self.ngram_range)
        if self.hashing and self.max_features is not None:
            raise ValueError("max_features has no meaning with hashing=True; set n_features")

    # -- hashing ------------------------------------------------------------------------

    def _hashed_counts(self, corpus):
        """Counts of the n-grams hashed into ``n_features`` columns: the one n-gram engine
        (:func:`interleave_ngrams`) names each distinct n-gram once, and only those names
        are hashed (scikit-learn's ``FeatureHasher``, so columns match a ``HashingVectorizer``
        with the same tokens)."""
        grams = interleave_ngrams(corpus, self.ngram_range, self._joiner())
        hasher = FeatureHasher(n_features=self.n_features, input_type="string",
                               alternate_sign=False, dtype=np.float64)
        column = (hasher.transform([name] for name in grams.uniques).indices
                  if grams.uniques else np.zeros(0, np.int32))
        counts = sp.csr_matrix(
            (np.ones(len(grams.codes), dtype=self.dtype), (grams.doc, column[grams.codes])),
            shape=(corpus.n_docs, self.n_features))
        counts.sum_duplicates()
        return counts

    # -- public API ---------------------------------------------------------------------

    def _fit_matrix(self, X, y):
        self._check_params()
        if self.output == "sequences":
            self._fit_sequences(X)
            return None
        return super()._fit_matrix(X, y)

    def _fit_sequences(self, X):
        """The deprecated ``output="sequences"``: an :class:`NGramSequences` inside."""
        import warnings

        warnings.warn("NGram(output='sequences') is deprecated and will be removed in 0.3; "
                      "use NGramSequences(ngram_range=..., min_df=..., maxlen=..., "
                      "vocab_size=...), which takes the same settings", FutureWarning,
                      stacklevel=4)
        self.sequences_ = NGramSequences(
            ngram_range=self.ngram_range, min_df=self.min_df, max_features=self.max_features,
            maxlen=self.maxlen, vocab_size=self.vocab_size).fit(X)
        for name in ("n_token_ids_", "vocab_size_", "maxlen_", "n_documents_"):
            setattr(self, name, getattr(self.sequences_, name))

    def _transform_sequences(self, X):
        return self.sequences_.transform(X)

    # Hashing replaces only the counting step of the shared fit/transform path.
    def _count_fit(self, corpus):
        return self._hashed_counts(corpus) if self.hashing else super()._count_fit(corpus)

    def _count_transform(self, corpus):
        return (self._hashed_counts(corpus) if self.hashing
                else super()._count_transform(corpus))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit, then transform ``X`` (one tokenization pass for sparse output).

        Parameters
        ----------
        X : iterable of str, or array of shape (n_docs, seq_len) for ``"sequences"``
            Documents, or token id sequences.
        y : array-like of shape (n_docs,), default=None
            Labels; required by ``weighting="nb"``.

        Returns
        -------
        Xt : csr_matrix of shape (n_docs, n_features), or ndarray of shape (n_docs, maxlen_)
        """
        counts = self._fit_matrix(X, y)
        if self.output == "sequences":
            return self._transform_sequences(X)
        return self._weigh(counts)

    def transform(self, X):
        """Sparse n-gram features, or id sequences with n-gram ids appended.

        Parameters
        ----------
        X : iterable of str, or array of shape (n_docs, seq_len) for ``"sequences"``
            Documents, or token id sequences.

        Returns
        -------
        Xt : csr_matrix of shape (n_docs, n_features), or ndarray of shape (n_docs, maxlen_)
        """
        check_is_fitted(self, "n_documents_")
        if self.output == "sequences":
            return self._transform_sequences(X)
        return super().transform(X)

    def get_feature_names_out(self, input_features=None):
        """Names of the sparse output columns (the n-grams, or ``hash_<i>``)."""
        check_is_fitted(self, "n_documents_")
        if self.output == "sequences":
            raise AttributeError("output='sequences' gives id sequences, not named features")
        return super().get_feature_names_out(input_features)

    def _column_names(self):
        if self.hashing:
            return np.array([f"hash_{i}" for i in range(self.n_features)], dtype=object)
        return super()._column_names()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.output == "sequences":
            tags.input_tags.string = False
            tags.input_tags.two_d_array = True
        return tags


