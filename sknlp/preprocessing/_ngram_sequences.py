"""n-gram ids appended to token id sequences, for neural models (fastText's bigram trick)."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, RealNotInt
from sklearn.utils.validation import check_is_fitted

from ..utils._validation import check_token_sequences
from ._text import (
    check_key_space,
    check_ngram_range,
    document_frequency,
    find_grams,
    gram_index,
    gram_keys,
    min_df_count,
    pad_ragged,
)


class NGramSequences(TransformerMixin, BaseEstimator):
    """Append the ids of frequent n-grams to token id sequences.

    The integer sequences of a :class:`Tokenizer` in (0 = padding), the same sequences with
    the ids of their frequent n-grams appended out: fastText's bigram trick (Joulin et al.,
    "Bag of Tricks for Efficient Text Classification", EACL 2017), which lets a model that
    averages or pools embeddings see word order. n-gram ids start at ``n_token_ids_``, so
    an embedding table of ``vocab_size_`` rows covers tokens and n-grams::

        make_pipeline(Tokenizer(), NGramSequences(), LSTMClassifier())

    For n-gram *features* of raw text (sparse bags for linear models), see :class:`NGram`.

    Parameters
    ----------
    ngram_range : tuple (min_n, max_n), default=(1, 2)
        Orders of the n-grams, both ends included; order 1 keeps the tokens themselves.
    min_df : int or float, default=1
        Keep n-grams found in at least this many training sequences (a float: this share).
    max_features : int, default=None
        Keep at most this many n-grams per order, the most frequent.
    maxlen : int, default=None
        Length of the output rows. ``None``: the input length times the number of orders,
        room for every n-gram.
    vocab_size : int, default=None
        Size of the token id space (``Tokenizer.vocab_size_``). ``None`` infers it from the
        largest id seen in ``fit``.

    Attributes
    ----------
    n_token_ids_ : int
        First n-gram id (token ids lie below it).
    vocab_size_ : int
        Number of ids, tokens and n-grams together.
    maxlen_ : int
        Length of the output rows.
    n_documents_ : int
        Number of training sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from sknlp.preprocessing import NGramSequences
    >>> ids = np.array([[2, 3, 4, 0], [2, 3, 0, 0]])
    >>> ng = NGramSequences(ngram_range=(1, 2), min_df=2).fit(ids)
    >>> ng.transform(ids)  # the bigram (2, 3), seen twice, becomes id 5
    array([[2, 3, 4, 5, 0, 0, 0, 0],
           [2, 3, 5, 0, 0, 0, 0, 0]], dtype=int32)
    """

    _parameter_constraints = {
        "ngram_range": [tuple],
        "min_df": [Interval(Integral, 1, None, closed="left"),
                   Interval(RealNotInt, 0, 1, closed="right")],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "vocab_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, ngram_range=(1, 2), min_df=1, max_features=None, maxlen=None,
                 vocab_size=None):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.maxlen = maxlen
        self.vocab_size = vocab_size

    def _orders(self):
        lo, hi = self.ngram_range
        return tuple(range(lo, hi + 1))

    @staticmethod
    def _sequence_grams(X):
        """Token ids of the padded sequences and their rows, in row order."""
        rows, cols = np.nonzero(X)
        return X[rows, cols], rows

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the frequent n-grams of the sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_docs, seq_len) of int
            Token id sequences, 0 for padding.
        y : None
            Ignored.

        Returns
        -------
        self : NGramSequences
        """
        check_ngram_range(self.ngram_range)
        X = check_token_sequences(X)
        self.n_token_ids_ = max(int(X.max()) + 1, self.vocab_size or 0)
        codes, doc = self._sequence_grams(X)
        self._lookup = {}
        next_id = self.n_token_ids_
        for n in self._orders():
            if n == 1:
                continue
            check_key_space(self.n_token_ids_, n, "lower ngram_range")
            keys, gdoc = gram_keys(codes, doc, n, self.n_token_ids_)
            gcodes, ukeys = pd.factorize(keys)
            df = document_frequency(gdoc, gcodes, len(X), len(ukeys))
            min_df = min_df_count(self.min_df, len(X))
            kept = np.flatnonzero(df >= min_df)
            if self.max_features is not None and len(kept) > self.max_features:
                kept = kept[np.argsort(-df[kept], kind="stable")[: self.max_features]]
            kept_keys = np.sort(np.asarray(ukeys, dtype=np.int64)[kept])
            ids = np.arange(next_id, next_id + len(kept_keys), dtype=np.int64)
            self._lookup[n] = gram_index(kept_keys, ids)
            next_id += len(kept_keys)
        self.vocab_size_ = next_id
        self.maxlen_ = self.maxlen or X.shape[1] * len(self._orders())
        self.n_documents_ = len(X)
        return self

    def transform(self, X):
        """The sequences with the ids of their known n-grams appended (tokens first).

        Parameters
        ----------
        X : array-like of shape (n_docs, seq_len) of int
            Token id sequences of the same tokenizer as in ``fit``.

        Returns
        -------
        Xt : ndarray of shape (n_docs, maxlen_)
        """
        check_is_fitted(self, "n_documents_")
        X = check_token_sequences(X)
        if X.max(initial=0) >= self.n_token_ids_:
            raise ValueError(
                f"X holds token id {X.max()} but this NGramSequences was fitted on ids below "
                f"{self.n_token_ids_}; pass vocab_size=Tokenizer.vocab_size_ when fitting")
        codes, doc = self._sequence_grams(X)
        parts_ids = [codes] if 1 in self._orders() else []
        parts_doc = [doc] if 1 in self._orders() else []
        for n, index in self._lookup.items():
            gkeys, gdoc = gram_keys(codes, doc, n, self.n_token_ids_)
            hit, ids = find_grams(index, gkeys)
            parts_ids.append(ids)
            parts_doc.append(gdoc[hit])
        all_doc = np.concatenate(parts_doc)
        order = np.argsort(all_doc, kind="stable")  # tokens first, then n-grams, per row
        return pad_ragged(np.concatenate(parts_ids)[order], all_doc[order], len(X),
                          maxlen=self.maxlen_, padding="post", truncating="post")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.string = False
        return tags
