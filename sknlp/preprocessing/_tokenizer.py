"""Text to padded integer sequences, the input of the neural estimators."""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import AnalyzerMixin
from ..utils._deprecation import DEPRECATED, DEPRECATED_OPTION, RenamedMixin, renamed_param
from ..utils._validation import check_documents, transform_in_chunks
from ._text import first_occurrence, lookup, ngram_range_of, pad_ragged

PAD_TOKEN = "<pad>"

class Tokenizer(RenamedMixin, AnalyzerMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                BaseEstimator):
    """Turn documents into padded sequences of integer token ids.

    The vocabulary is ordered by frequency in the training documents (ties: first
    occurrence first). Id 0 is padding; when ``oov_token`` is set, id 1 stands for every
    out-of-vocabulary token; the kept tokens follow from the next id on. The output is an
    ``int32`` array of shape ``(n_docs, maxlen_)`` ready for an embedding layer of
    ``vocab_size_`` rows.

    Parameters
    ----------
    num_words : int, default=None
        Size of the whole id space, **reserved ids included**: every id is
        ``< num_words``, so an ``Embedding(num_words, dim)`` fits. With the default
        ``oov_token``, ``num_words=10`` keeps the 8 most frequent tokens (ids 2-9) plus
        padding (0) and OOV (1). ``None`` keeps every token seen ``min_count`` times.
    min_count : int, default=1
        Drop tokens seen fewer times than this in the training documents (the name
        :class:`~sknlp.embeddings.Word2Vec` uses too).
    min_freq : int
        Deprecated spelling of ``min_count`` (a ``FutureWarning``; removed in 0.3).
    lower : bool, default=True
        Lowercase the text first.
    filters : str, default=None
        Characters that separate tokens (and are dropped). ``None``: for ``"word"``, all
        Unicode punctuation, math/currency symbols and control characters (emoji and other
        symbols become tokens of their own); for ``"char"``, nothing beyond whitespace.
        Give a string, e.g. ``'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'``, to choose them yourself.
    split : str, default=None
        Characters that separate tokens besides ``filters``; ``None`` means whitespace.
    analyzer : {"word", "char"} or callable, default="word"
        ``"word"``: runs of letters, digits and combining marks, Unicode-aware (accents,
        digits and CJK runs stay whole). ``"char"``: one token per character, the usual
        choice for Chinese. A callable maps a document to its list of tokens, e.g.
        ``jieba.lcut`` for Chinese word segmentation.
    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Orders of the n-grams in the sequence. Each position carries the n-grams that
        start there, in increasing order: with ``(1, 2)`` and ``analyzer="char"``,
        ``"好看"`` becomes ``好, 好看, 看``. The vocabulary, ``num_words`` and ``maxlen``
        count n-grams like tokens, so a sequence of ``(1, 2)`` is about twice as long.
        Character bigrams give a char-level model the words of a language written without
        spaces. Tokens of order ``min_n`` follow ``oov_token``; longer n-grams outside the
        vocabulary are dropped, as their tokens are still in the sequence.
    oov_token : str, default="<unk>"
        Token given id 1 and used for every token outside the vocabulary. ``None`` drops
        unknown tokens instead.
    maxlen : int, "auto" or None, default="auto"
        Length of the output rows. ``"auto"``: the 95th percentile of the training
        documents' lengths in tokens, so that 95 % of them fit whole. ``None``: the longest
        training document.
    padding : {"pre", "post"}, default="post"
        Put the padding zeros after (``"post"``) or before (``"pre"``) the ids.
    truncating : {"pre", "post"}, default="post"
        Drop the end (``"post"``) or the start (``"pre"``) of documents longer than
        ``maxlen``.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token -> id, reserved tokens included.
    index_to_token_ : ndarray of str of shape (vocab_size_,)
        Id -> token; ``"<pad>"`` at 0 and ``oov_token`` at 1 when set.
    token_counts_ : ndarray of shape (vocab_size_,)
        Occurrences of each id's token in the training documents (0 for reserved ids).
    vocab_size_ : int
        Number of ids, reserved ones included (the embedding table's row count).
    oov_id_ : int or None
        Id of ``oov_token``, or ``None``.
    maxlen_ : int
        Length of the output rows.
    token_orders_ : ndarray of shape (vocab_size_,)
        n-gram order of each id's token (0 for the reserved ids).
    n_documents_ : int
        Number of training documents.

    See Also
    --------
    BagOfWords : Sparse bag-of-words features with the same analyzers.

    Examples
    --------
    >>> from sknlp.preprocessing import Tokenizer
    >>> tok = Tokenizer(maxlen=5).fit(["a good film", "a bad film", "good"])
    >>> tok.index_to_token_.tolist()
    ['<pad>', '<unk>', 'a', 'good', 'film', 'bad']
    >>> tok.transform(["a good plot"])
    array([[2, 3, 1, 0, 0]], dtype=int32)
    >>> tok.sequences_to_texts([[2, 3, 1, 0, 0]])
    ['a good <unk>']
    """

    _parameter_constraints = {
        "num_words": [Interval(Integral, 1, None, closed="left"), None],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "min_freq": [Interval(Integral, 1, None, closed="left"), DEPRECATED_OPTION],
        "oov_token": [str, None],
        "maxlen": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "ngram_range": [tuple, list],
        **AnalyzerMixin._analyzer_constraints,
    }

    _renamed_params = {"min_freq": "min_count"}

    def __init__(self, *, num_words=None, min_count=1, lower=True, filters=None, split=None,
                 analyzer="word", ngram_range=(1, 1), oov_token="<unk>", maxlen="auto",
                 padding="post", truncating="post", min_freq=DEPRECATED):
        self.num_words = num_words
        self.min_count = min_count
        self.min_freq = min_freq
        self.lower = lower
        self.filters = filters
        self.split = split
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.oov_token = oov_token
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating

    # -- fitting -----------------------------------------------------------------------

    def _fit_corpus(self, corpus):
        reserved = [PAD_TOKEN] + ([self.oov_token] if self.oov_token is not None else [])
        if self.num_words is not None and self.num_words <= len(reserved):
            raise ValueError(
                f"num_words={self.num_words} leaves no room for tokens: it counts the "
                f"{len(reserved)} reserved ids ({', '.join(reserved)}); use at least "
                f"{len(reserved) + 1}"
            )
        n_u = len(corpus.uniques)
        counts = np.bincount(corpus.codes, minlength=n_u)
        order = np.lexsort((first_occurrence(corpus.codes, n_u), -counts))
        min_count = renamed_param(self, "min_freq", "min_count")
        order = order[counts[order] >= min_count]
        reserved_set = set(reserved)
        order = np.array([i for i in order.tolist() if corpus.uniques[i] not in reserved_set],
                         dtype=np.int64)
        if self.num_words is not None:
            order = order[: self.num_words - len(reserved)]
        if len(order) == 0:
            raise ValueError(
                "empty vocabulary: no token of the training documents was kept "
                f"(min_count={min_count}); the documents may hold only separators "
                "or stop characters"
            )
        tokens = reserved + [corpus.uniques[i] for i in order.tolist()]
        self.vocabulary_ = {t: i for i, t in enumerate(tokens)}
        self.index_to_token_ = np.array(tokens, dtype=object)
        self.token_counts_ = np.concatenate([np.zeros(len(reserved), np.int64), counts[order]])
        orders = np.ones(n_u, np.int64) if corpus.orders is None else corpus.orders
        self.token_orders_ = np.concatenate([np.zeros(len(reserved), np.int64),
                                             orders[order].astype(np.int64)])
        self.vocab_size_ = len(tokens)
        self.oov_id_ = 1 if self.oov_token is not None else None
        self.n_documents_ = corpus.n_docs
        ids, doc = self._encode(corpus)
        if self.maxlen == "auto" or self.maxlen is None:
            lengths = np.bincount(doc, minlength=corpus.n_docs)
            q = 95 if self.maxlen == "auto" else 100
            self.maxlen_ = max(1, int(np.ceil(np.percentile(lengths, q))))
        else:
            self.maxlen_ = int(self.maxlen)
        return ids, doc

    def _persist_check(self):
        """After ``sknlp.load``: the vocabulary is one consistent map of ids below
        ``vocab_size_`` and ``maxlen_`` is a width an array can have."""
        if not hasattr(self, "vocabulary_"):
            return
        from .._persist import ModelFileError

        n = self.vocab_size_
        vocab = self.vocabulary_
        ok = (isinstance(n, int) and isinstance(vocab, dict) and len(vocab) == n
              and len(self.index_to_token_) == n and len(self.token_counts_) == n
              and all(isinstance(t, str) and isinstance(i, int) and 0 <= i < n
                      for t, i in vocab.items())
              and sorted(vocab.values()) == list(range(n))
              and isinstance(self.maxlen_, int) and 0 < self.maxlen_ <= 10**7)
        if not ok:
            raise ModelFileError(
                "malformed model file: the Tokenizer's vocabulary, id table and maxlen_ do "
                f"not agree (vocab_size_={n!r}, maxlen_={getattr(self, 'maxlen_', None)!r})")

    def _encode(self, corpus):
        """Vocabulary ids of the corpus' tokens, unknown ones mapped to OOV or dropped."""
        known = lookup(corpus.uniques, self.vocabulary_, -1)
        if self.oov_id_ is not None:
            unknown_id = np.full(len(known), self.oov_id_, dtype=np.int32)
            if corpus.orders is not None:  # unknown n-grams above the lowest order go
                unknown_id[corpus.orders > ngram_range_of(self)[0]] = -1
            known = np.where(known >= 0, known, unknown_id)
        ids = known[corpus.codes]
        doc = corpus.doc
        if (known < 0).any():
            keep = ids >= 0
            ids, doc = ids[keep], doc[keep]
        return ids, doc

    def _pad(self, ids, doc, n_docs):
        return pad_ragged(ids, doc, n_docs, maxlen=self.maxlen_, padding=self.padding,
                          truncating=self.truncating)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary (and ``maxlen_``) from the documents ``X``.

        Parameters
        ----------
        X : iterable of str
            Documents: list, numpy array, pandas Series or generator.
        y : None
            Ignored.

        Returns
        -------
        self : Tokenizer
        """
        self._fit_corpus(self._factorize(check_documents(X)))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and transform in one tokenization pass.

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : None
            Ignored.

        Returns
        -------
        Xt : ndarray of shape (n_docs, maxlen_), dtype int32
        """
        corpus = self._factorize(check_documents(X))
        ids, doc = self._fit_corpus(corpus)
        return self._pad(ids, doc, corpus.n_docs)

    # -- transforming ------------------------------------------------------------------

    def transform(self, X):
        """Encode documents as padded id sequences.

        Empty documents and documents with only unknown tokens (when ``oov_token`` is
        None) give all-padding rows.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        Xt : ndarray of shape (n_docs, maxlen_), dtype int32
        """
        check_is_fitted(self)
        return transform_in_chunks(self._transform_docs,
                                   check_documents(X, allow_empty_corpus=True))

    def _transform_docs(self, docs):
        corpus = self._factorize(docs)
        ids, doc = self._encode(corpus)
        return self._pad(ids, doc, corpus.n_docs)

    def texts_to_sequences(self, X):
        """Encode documents as lists of ids, without padding or truncation.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        sequences : list of list of int
        """
        check_is_fitted(self)
        corpus = self._factorize(check_documents(X, allow_empty_corpus=True))
        ids, doc = self._encode(corpus)
        bounds = np.cumsum(np.bincount(doc, minlength=corpus.n_docs))[:-1]
        return [part.tolist() for part in np.split(ids, bounds)] if corpus.n_docs else []

    def inverse_transform(self, X):
        """Decode id sequences back to tokens, dropping padding.

        Parameters
        ----------
        X : array-like of shape (n_docs, seq_len) or list of lists of int
            Ids, as produced by :meth:`transform` or :meth:`texts_to_sequences`.

        Returns
        -------
        tokens : list of list of str
        """
        check_is_fitted(self)
        out = []
        for row in X:
            row = np.asarray(row, dtype=np.int64)
            if row.size and (row.min() < 0 or row.max() >= self.vocab_size_):
                raise ValueError(
                    f"ids should lie in [0, {self.vocab_size_}) for this vocabulary, got "
                    f"values in [{row.min()}, {row.max()}]"
                )
            out.append(self.index_to_token_[row[row != 0]].tolist())
        return out

    def sequences_to_texts(self, X):
        """Decode id sequences to strings (tokens joined by a space; no space for ``"char"``).

        With ``ngram_range`` starting at 1, only the single tokens are joined, so the text
        reads as it was tokenized; otherwise the n-grams are joined as they are.

        Parameters
        ----------
        X : array-like of shape (n_docs, seq_len) or list of lists of int
            Ids.

        Returns
        -------
        texts : list of str
        """
        sep = "" if self.analyzer == "char" else " "
        lo, hi = ngram_range_of(self)
        if lo == 1 and hi > 1:
            single = self.token_orders_ <= 1  # tokens and the reserved ids
            X = [np.asarray(row, dtype=np.int64) for row in X]
            X = [row[(row < 0) | (row >= self.vocab_size_)
                     | single[np.clip(row, 0, self.vocab_size_ - 1)]] for row in X]
        return [sep.join(tokens) for tokens in self.inverse_transform(X)]

    @property
    def _n_features_out(self):
        return self.maxlen_



def tokenizer_for(docs, given=None):
    """A fresh tokenizer for ``docs``: a clone of ``given``, or else one that suits them:
    characters when the texts are mostly Chinese (no spaces between words), lowercased words
    otherwise; at most 30,000 ids, no text truncated. The models that read whole texts
    (Seq2Seq, LanguageModel) start from it."""
    from sklearn.base import clone

    from ..utils._text import mostly_chinese

    if given is not None:
        return clone(given)
    if mostly_chinese(docs):
        return Tokenizer(analyzer="char", split="", num_words=30000, maxlen=None)
    return Tokenizer(num_words=30000, maxlen=None)
