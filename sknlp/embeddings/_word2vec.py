"""Word2Vec document embeddings, trained with gensim or loaded from pretrained vectors."""

import os
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import AnalyzerMixin
from ..preprocessing._text import document_frequency, lookup, smooth_idf
from ..utils._validation import check_documents, transform_in_chunks

# gensim silently truncates longer sentences: longer documents are cut into pieces this long.
_GENSIM_MAX_WORDS = 10000


def _sentences(corpus):
    """Token lists of a factorized corpus, long documents cut in gensim-sized pieces."""
    tokens = np.asarray(corpus.uniques, dtype=object)[corpus.codes]
    bounds = np.cumsum(corpus.lengths)[:-1]
    out = []
    for part in np.split(tokens, bounds):
        for i in range(0, len(part), _GENSIM_MAX_WORDS):
            out.append(part[i : i + _GENSIM_MAX_WORDS].tolist())
    return out


def load_vectors(pretrained, *, keyed, model, read_file, kind):
    """Word vectors from ``pretrained``: a ``keyed`` (gensim KeyedVectors class) object, a
    ``model`` (gensim model class) object, or a file that ``read_file(path)`` reads.

    gensim's own ``.kv``/``.model`` files are pickles, and reading a pickle runs the code it
    holds: they are refused with the one line that loads them for whoever trusts the file,
    so that no file runs code unless the user asks for that by name.
    """
    if isinstance(pretrained, keyed):
        return pretrained
    if isinstance(pretrained, model):
        return pretrained.wv
    if isinstance(pretrained, (str, os.PathLike)):
        path = os.fspath(pretrained)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"pretrained {kind} file not found: {path}")
        if path.endswith((".kv", ".model")):
            raise ValueError(
                f"{path} is a gensim file, which is a pickle: reading it runs whatever code "
                "it holds. If you trust whoever made it, load it yourself and pass the "
                f"vectors: pretrained=gensim.models.{keyed.__name__}.load(path) (or "
                f"{model.__name__}.load(path).wv)")
        return read_file(path)
    raise TypeError(f"pretrained should be a path to a {kind} file, a gensim {keyed.__name__} "
                    f"or a gensim {model.__name__} model, got {type(pretrained).__name__}")


def _read_word2vec_format(path):
    """word2vec's text or binary vector file (data only: no code runs)."""
    from gensim.models import KeyedVectors

    binary = path.endswith(".bin") or path.endswith(".bin.gz")
    try:
        return KeyedVectors.load_word2vec_format(path, binary=binary)
    except (ValueError, UnicodeDecodeError):
        return KeyedVectors.load_word2vec_format(path, binary=not binary)


class Word2Vec(AnalyzerMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Dense document vectors pooled from Word2Vec word vectors.

    ``fit`` trains gensim's Word2Vec on the documents, CBOW (``sg=0``) or skip-gram
    (``sg=1``) with negative sampling (Mikolov et al., "Efficient Estimation of Word
    Representations in Vector Space", 2013, and "Distributed Representations of Words and
    Phrases and their Compositionality", NeurIPS 2013), or takes ``pretrained`` vectors and
    trains nothing. ``transform`` pools the vectors of each document's words.

    Parameters
    ----------
    vector_size : int, default=100
        Dimension of the word vectors (ignored with ``pretrained``).
    sg : {0, 1, "cbow", "skipgram"}, default=0
        0 or ``"cbow"``: CBOW, predict a word from its context. 1 or ``"skipgram"``:
        skip-gram, predict the context (gensim's 0/1, or the names, as you prefer).
    window : int, default=5
        Largest distance between a word and its context words.
    min_count : int, default=5
        Ignore words seen fewer times.
    negative : int, default=5
        Negative samples per positive example.
    epochs : int, default=5
        Passes over the documents.
    sample : float, default=1e-3
        Down-sampling threshold for frequent words.
    alpha : float, default=0.025
        Initial learning rate.
    workers : int, default=1
        Training threads. Results are reproducible for a given ``random_state`` only with
        ``workers=1``; more threads train faster but vary from run to run.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors and sampling.
    pretrained : str, path, gensim KeyedVectors or Word2Vec, default=None
        Use these vectors instead of training: a word2vec text file, a binary file
        (``.bin``), or a gensim object. gensim's own ``.kv``/``.model`` files are pickles,
        which run code when read: load a trusted one with gensim and pass the object.
    pooling : {"mean", "max", "tfidf"}, default="mean"
        How a document's word vectors become one vector: their mean, their element-wise
        maximum, or their mean weighted by the words' inverse document frequency in the
        ``fit`` documents. A document without any known word gets a zero vector.
    verbose : bool, default=False
        Show a progress bar over the training epochs.
    analyzer, lower, filters, split, ngram_range
        Tokenization, as in :class:`sknlp.preprocessing.Tokenizer`. To initialise a
        network whose tokenizer emits n-grams, give both the same ``ngram_range``, so that
        the n-grams get vectors too.

    Attributes
    ----------
    wv_ : gensim.models.KeyedVectors
        The word vectors; ``wv_.most_similar(positive=["king", "woman"],
        negative=["man"])`` answers analogies.
    idf_ : ndarray of shape (len(wv_),)
        Inverse document frequency of each word in the ``fit`` documents (``"tfidf"``).
    vector_size_ : int
        Dimension of the output.
    n_documents_ : int
        Number of training documents.

    Examples
    --------
    >>> from sknlp.embeddings import Word2Vec
    >>> docs = ["the king rules", "the queen rules", "a man walks", "a woman walks"] * 50
    >>> w2v = Word2Vec(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> w2v.transform(["the king walks", "unknown words only"]).shape
    (2, 8)
    """

    _parameter_constraints = {
        "vector_size": [Interval(Integral, 1, None, closed="left")],
        "sg": [StrOptions({"cbow", "skipgram"}), Interval(Integral, 0, 1, closed="both")],
        "window": [Interval(Integral, 1, None, closed="left")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "negative": [Interval(Integral, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "sample": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "workers": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "pretrained": "no_validation",
        "pooling": [StrOptions({"mean", "max", "tfidf"})],
        "verbose": ["verbose"],
        "ngram_range": [tuple, list],
        **AnalyzerMixin._analyzer_constraints,
    }

    def __init__(self, *, vector_size=100, sg=0, window=5, min_count=5, negative=5, epochs=5,
                 sample=1e-3, alpha=0.025, workers=1, random_state=None, pretrained=None,
                 pooling="mean", verbose=False, analyzer="word", lower=True, filters=None,
                 split=None, ngram_range=(1, 1)):
        self.vector_size = vector_size
        self.sg = sg
        self.window = window
        self.min_count = min_count
        self.negative = negative
        self.epochs = epochs
        self.sample = sample
        self.alpha = alpha
        self.workers = workers
        self.random_state = random_state
        self.pretrained = pretrained
        self.pooling = pooling
        self.verbose = verbose
        self.analyzer = analyzer
        self.lower = lower
        self.filters = filters
        self.split = split
        self.ngram_range = ngram_range

    def _gensim_model(self, **params):
        from gensim.models import Word2Vec as GensimWord2Vec

        return GensimWord2Vec(**params)

    def _train(self, corpus):
        counts = np.bincount(corpus.codes, minlength=len(corpus.uniques))
        if not (counts >= self.min_count).any():
            raise ValueError(
                f"empty vocabulary: no word occurs min_count={self.min_count} times in the "
                f"{corpus.n_docs} training documents; lower min_count or pass more text"
            )
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        callbacks = ()
        if self.verbose:
            callbacks = (_GensimProgress(self.epochs, type(self).__name__,
                                         lines=self.verbose >= 2),)
        model = self._gensim_model(
            sentences=_sentences(corpus), vector_size=self.vector_size,
            sg={"cbow": 0, "skipgram": 1}.get(self.sg, self.sg), window=self.window,
            min_count=self.min_count, negative=self.negative, hs=0 if self.negative else 1,
            epochs=self.epochs, sample=self.sample, alpha=self.alpha, workers=self.workers,
            seed=int(seed), callbacks=callbacks,
        )
        if callbacks:
            callbacks[0].close()
        return model.wv

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the word vectors on ``X`` (or load ``pretrained`` ones).

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : None
            Ignored.

        Returns
        -------
        self : Word2Vec
        """
        corpus = self._factorize(check_documents(X))
        if self.pretrained is not None:
            self.wv_ = self._load_pretrained(self.pretrained)
        else:
            self.wv_ = self._train(corpus)
        self.vector_size_ = int(self.wv_.vector_size)
        idx = lookup(corpus.uniques, self.wv_.key_to_index)[corpus.codes]
        known = idx >= 0
        df = document_frequency(corpus.doc[known], idx[known], corpus.n_docs, len(self.wv_))
        self.idf_ = smooth_idf(df, corpus.n_docs).astype(np.float32)
        self.n_documents_ = corpus.n_docs
        return self

    def transform(self, X):
        """Pool the word vectors of each document.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        Xt : ndarray of shape (n_docs, vector_size_), dtype float32
            Zero rows for documents without any known word.
        """
        check_is_fitted(self)
        return transform_in_chunks(self._transform_docs,
                                   check_documents(X, allow_empty_corpus=True))

    @staticmethod
    def _load_pretrained(pretrained):
        from gensim.models import KeyedVectors
        from gensim.models import Word2Vec as GensimWord2Vec

        return load_vectors(pretrained, keyed=KeyedVectors, model=GensimWord2Vec,
                            read_file=_read_word2vec_format, kind="word2vec vectors")

    def _token_vectors(self, tokens):
        """Row of each token in a table of vectors (-1: the token has none), the table, and
        the idf of each row. Word2Vec knows the vectors of its vocabulary only."""
        return lookup(tokens, self.wv_.key_to_index), self.wv_.vectors, self.idf_

    def _transform_docs(self, docs):
        corpus = self._factorize(docs)
        rows, vectors, idf = self._token_vectors(corpus.uniques)
        idx = rows[corpus.codes]
        known = idx >= 0
        idx, doc = idx[known], corpus.doc[known]
        n = corpus.n_docs
        if self.pooling == "max":
            return self._max_pool(vectors, idx, doc, n)
        weights = idf[idx] if self.pooling == "tfidf" else np.ones(len(idx), np.float32)
        C = sp.csr_matrix((weights, (doc, idx)), shape=(n, len(vectors)), dtype=np.float32)
        total = np.asarray(C.sum(axis=1)).ravel()
        out = np.asarray(C @ vectors, dtype=np.float32)
        nz = total > 0
        out[nz] /= total[nz, None]
        return out

    @staticmethod
    def _max_pool(vectors, idx, doc, n, chunk=1 << 20):
        out = np.zeros((n, vectors.shape[1]), dtype=np.float32)
        if len(idx) == 0:
            return out
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])  # first token of each doc
        # process whole documents, about ``chunk`` tokens at a time (bounded memory)
        lo = 0
        while lo < len(starts):
            hi = np.searchsorted(starts, starts[lo] + chunk, side="right")
            hi = max(hi, lo + 1)
            a = starts[lo]
            b = starts[hi] if hi < len(starts) else len(idx)
            pooled = np.maximum.reduceat(vectors[idx[a:b]], starts[lo:hi] - a, axis=0)
            out[doc[starts[lo:hi]]] = pooled
            lo = hi
        return out

    def embedding_matrix(self, tokenizer, *, random_state=None, return_coverage=False):
        """Embedding table aligned with a fitted Tokenizer's ids, to initialise a network.

        Row ``i`` holds the vector of ``tokenizer.index_to_token_[i]``. Row 0 (padding) is
        zero; tokens without a vector (and the OOV id) get small random vectors with the
        same standard deviation as the known ones.

        Parameters
        ----------
        tokenizer : Tokenizer
            A fitted :class:`sknlp.preprocessing.Tokenizer`.
        random_state : int, RandomState instance or None, default=None
            Seeds the vectors of unknown tokens.
        return_coverage : bool, default=False
            Also return the fraction of the tokenizer's tokens that had a vector.

        Returns
        -------
        matrix : ndarray of shape (tokenizer.vocab_size_, vector_size_), dtype float32
        coverage : float
            Only when ``return_coverage`` is True.
        """
        check_is_fitted(self)
        check_is_fitted(tokenizer, "vocabulary_")
        tokens = tokenizer.index_to_token_.tolist()
        rng = check_random_state(random_state)
        std = float(self.wv_.vectors.std()) or 0.1
        matrix = rng.normal(0.0, std, size=(len(tokens), self.vector_size_)).astype(np.float32)
        matrix[0] = 0.0
        n_reserved = 1 + (tokenizer.oov_id_ is not None)
        idx, vectors, _ = self._token_vectors(tokens[n_reserved:])
        idx = np.r_[np.full(n_reserved, -1, dtype=idx.dtype), idx]
        found = idx >= 0
        matrix[found] = vectors[idx[found]]
        if return_coverage:
            return matrix, float(found[n_reserved:].mean()) if len(tokens) > n_reserved else 0.0
        return matrix

    def coverage(self, X):
        """Share of the tokens of ``X`` that get a vector (for :class:`FastText`, from its
        vocabulary or its subwords).

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        coverage : float
        """
        check_is_fitted(self)
        corpus = self._factorize(check_documents(X, allow_empty_corpus=True))
        rows, _, _ = self._token_vectors(corpus.uniques)
        return float((rows[corpus.codes] >= 0).mean()) if len(corpus.codes) else 0.0

    @property
    def _n_features_out(self):
        return self.vector_size_


class _GensimProgress:
    """gensim callback reporting each epoch to a :class:`~sknlp.utils._progress.Progress`."""

    def __init__(self, epochs, name, lines=False):
        from ..utils._progress import Progress

        self.progress = Progress(epochs, name, lines=lines)
        self.epoch = 0

    def on_train_begin(self, model):
        pass

    def on_epoch_begin(self, model):
        pass

    def on_epoch_end(self, model):
        self.epoch += 1
        self.progress.end_epoch(self.epoch)

    def on_train_end(self, model):
        pass

    def close(self):
        self.progress.close()
