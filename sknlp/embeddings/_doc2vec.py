"""Doc2Vec: paragraph vectors (PV-DBOW and PV-DM) as a scikit-learn transformer, on gensim."""

import zlib
from collections import OrderedDict
from numbers import Integral, Real
from weakref import WeakKeyDictionary

import numpy as np
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
from ..utils._validation import check_documents, transform_in_chunks
from ._word2vec import _GENSIM_MAX_WORDS, _GensimProgress

MODES = {"dbow": 0, "dm": 1}
# Vectors inferred by each fitted Doc2Vec, per number of inference epochs; kept outside the
# estimator so that they are never pickled, saved or cloned.
_INFERRED = WeakKeyDictionary()


class Doc2Vec(AnalyzerMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Paragraph vectors: one dense vector per document, learned without labels.

    ``fit`` trains gensim's Doc2Vec (Le & Mikolov, "Distributed Representations of
    Sentences and Documents", ICML 2014) on the documents, unlabelled ones included: each
    document gets a vector trained to predict its words (PV-DBOW, ``dm="dbow"``) or, with
    the vectors of its context words, the next word (PV-DM, ``dm="dm"``). ``transform``
    *infers* a vector for each document by training a fresh paragraph vector against the
    frozen model, so new documents and training documents are treated alike, and the
    result is the same whatever the batch, the order or the other documents.

    With ``ngram_range=(1, 3)`` the paragraph vectors learn to predict a document's
    n-grams too, as in Mesnil et al. (2015) and Thongtan & Phienthrakul (2019); for PV-DBOW
    that costs time in proportion to the n-grams, not their number of distinct kinds.

    Parameters
    ----------
    vector_size : int, default=100
        Dimension of the document vectors.
    dm : {"dbow", "dm", 0, 1}, default="dbow"
        ``"dbow"`` (0): distributed bag of words, fast and the better of the two on
        sentiment. ``"dm"`` (1): distributed memory, the document vector averaged with its
        context words'.
    dbow_words : bool, default=False
        With ``"dbow"``, also train word vectors (skip-gram) alongside; slower by about
        ``window`` times, and gives the document vectors a word space to live in.
    window : int, default=5
        Context words on each side (``"dm"``, and ``"dbow"`` with ``dbow_words``).
    min_count : int, default=2
        Ignore tokens (and n-grams) seen fewer times.
    negative : int, default=5
        Negative samples per positive example.
    sample : float, default=0
        Down-sampling threshold of frequent tokens (gensim's ``sample``); 0 keeps all.
    epochs : int, default=20
        Passes over the documents in ``fit``.
    infer_epochs : int, default=None
        Passes over each document when ``transform`` infers its vector; ``None`` uses
        ``epochs``.
    alpha : float, default=0.025
        Initial learning rate (fit and inference), decaying linearly to 0.0001.
    inference_cache : int, default=50,000
        Remember the vectors of up to this many documents (about 0.4 kB each at 100
        dimensions), so that transforming a document again costs nothing, as in
        cross-validation and stacking; 0 turns it off. Inference is deterministic, so the
        cache never changes a result.
    workers : int, default=1
        Training threads. ``fit`` is reproducible under ``random_state`` only with
        ``workers=1``; ``transform`` always is.
    random_state : int, RandomState instance or None, default=None
        Seeds training and inference.
    verbose : int, default=0
        1: a progress bar over the training epochs; 2: a line per epoch.
    analyzer, lower, filters, split, ngram_range
        Tokenization, as in :class:`sknlp.preprocessing.Tokenizer`.

    Attributes
    ----------
    model_ : gensim.models.Doc2Vec
        The trained model: ``model_.dv`` holds the training documents' vectors (row ``i``
        is the ``i``-th document of ``fit``), ``model_.wv`` the token vectors.
    vector_size_ : int
        Dimension of the output.
    n_documents_ : int
        Number of training documents.

    Examples
    --------
    >>> from sknlp.embeddings import Doc2Vec
    >>> docs = ["a great film", "a great cast", "a dull film", "a dull plot"] * 25
    >>> d2v = Doc2Vec(vector_size=8, epochs=5, random_state=0).fit(docs)
    >>> d2v.transform(["a great plot", "nothing known here"]).shape
    (2, 8)
    """

    _parameter_constraints = {
        "vector_size": [Interval(Integral, 1, None, closed="left")],
        "dm": [StrOptions(set(MODES)), Interval(Integral, 0, 1, closed="both")],
        "dbow_words": ["boolean"],
        "window": [Interval(Integral, 1, None, closed="left")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "sample": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "infer_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "inference_cache": [Interval(Integral, 0, None, closed="left")],
        "workers": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "ngram_range": [tuple, list],
        **AnalyzerMixin._analyzer_constraints,
    }

    def __init__(self, *, vector_size=100, dm="dbow", dbow_words=False, window=5, min_count=2,
                 negative=5, sample=0.0, epochs=20, infer_epochs=None, alpha=0.025,
                 inference_cache=50_000, workers=1,
                 random_state=None, verbose=0, analyzer="word", lower=True, filters=None,
                 split=None, ngram_range=(1, 1)):
        self.vector_size = vector_size
        self.dm = dm
        self.dbow_words = dbow_words
        self.window = window
        self.min_count = min_count
        self.negative = negative
        self.sample = sample
        self.epochs = epochs
        self.infer_epochs = infer_epochs
        self.alpha = alpha
        self.inference_cache = inference_cache
        self.workers = workers
        self.random_state = random_state
        self.verbose = verbose
        self.analyzer = analyzer
        self.lower = lower
        self.filters = filters
        self.split = split
        self.ngram_range = ngram_range

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the paragraph vectors (and the model that infers them) on ``X``.

        Parameters
        ----------
        X : iterable of str
            Documents; unlabelled text is welcome (``y`` is not used).
        y : None
            Ignored.

        Returns
        -------
        self : Doc2Vec
        """
        from gensim.models import Doc2Vec as GensimDoc2Vec
        from gensim.models.doc2vec import TaggedDocument

        corpus = self._factorize(check_documents(X))
        counts = np.bincount(corpus.codes, minlength=len(corpus.uniques))
        if not (counts >= self.min_count).any():
            raise ValueError(
                f"empty vocabulary: no token occurs min_count={self.min_count} times in the "
                f"{corpus.n_docs} training documents; lower min_count or pass more text")
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        # A document longer than gensim's limit is cut into pieces sharing its tag.
        tokens = np.asarray(corpus.uniques, dtype=object)
        documents = [TaggedDocument(tokens[piece].tolist(), [i])
                     for i, codes in enumerate(_per_document(corpus))
                     for piece in _pieces(codes)]
        callbacks = ()
        if self.verbose:
            callbacks = (_GensimProgress(self.epochs, type(self).__name__,
                                         lines=self.verbose >= 2),)
        try:
            self.model_ = GensimDoc2Vec(
                documents, vector_size=self.vector_size, dm=MODES.get(self.dm, self.dm),
                dbow_words=int(self.dbow_words), window=self.window,
                min_count=self.min_count, negative=self.negative, hs=0, sample=self.sample,
                epochs=self.epochs, alpha=self.alpha, min_alpha=1e-4, workers=self.workers,
                seed=int(seed), callbacks=callbacks)
        finally:
            if callbacks:
                callbacks[0].close()
        _INFERRED.pop(self, None)  # vectors of a previous fit
        self.seed_ = int(seed)
        self.vector_size_ = int(self.vector_size)
        self.n_documents_ = corpus.n_docs
        return self

    def transform(self, X):
        """Infer the vector of each document.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        Xt : ndarray of shape (n_docs, vector_size_), dtype float32
            A document without any known token gets a zero vector; inference reads the first
            10,000 tokens of a longer one (gensim's limit).
        """
        check_is_fitted(self)
        return transform_in_chunks(self._transform_docs,
                                   check_documents(X, allow_empty_corpus=True))

    def _transform_docs(self, docs):
        # Inference is a pure function of the document (see _infer): vectors already
        # inferred by this fitted model are reused, so that scikit-learn's stacking and
        # cross-validation, which transform the same documents once per fold, infer each once.
        epochs = self.infer_epochs or self.epochs
        if not self.inference_cache:
            return self._infer(docs, epochs)
        settings = (epochs, self.analyzer, self.lower, self.filters, self.split,
                    tuple(self.ngram_range))
        cache = _INFERRED.setdefault(self, {}).setdefault(settings, OrderedDict())
        out = np.empty((len(docs), self.vector_size_), dtype=np.float32)
        todo = []
        for i, doc in enumerate(docs):
            hit = cache.get(doc)
            if hit is None:
                todo.append(i)
            else:
                out[i] = hit
        if todo:
            new = self._infer([docs[i] for i in todo], epochs)
            out[todo] = new
            for i, row in zip(todo, new):
                cache[docs[i]] = row
            while len(cache) > self.inference_cache:
                cache.popitem(last=False)  # forget the oldest first
        return out

    def _infer(self, docs, epochs):
        corpus = self._factorize(docs)
        model = self.model_
        known = np.fromiter((t in model.wv.key_to_index for t in corpus.uniques), dtype=bool,
                            count=len(corpus.uniques))
        out = np.zeros((corpus.n_docs, self.vector_size_), dtype=np.float32)
        bounds = np.cumsum(corpus.lengths)[:-1]
        has_known = np.bincount(corpus.doc[known[corpus.codes]], minlength=corpus.n_docs) > 0
        per_doc = np.split(np.asarray(corpus.uniques, dtype=object)[corpus.codes], bounds)
        saved, model.random = model.random, np.random.RandomState()
        try:
            for i in np.flatnonzero(has_known).tolist():  # others: nothing to infer from
                tokens = per_doc[i].tolist()
                out[i] = _infer_vector(model, tokens, epochs, self.seed_)
        finally:
            model.random = saved
        return out

    @property
    def _n_features_out(self):
        return self.vector_size_


def _per_document(corpus):
    """The token codes of each document of a corpus, empty documents included."""
    return np.split(corpus.codes, np.cumsum(corpus.lengths)[:-1])


def _pieces(codes):
    """A document's codes in pieces gensim trains on whole (an empty document: one piece)."""
    return [codes[i : i + _GENSIM_MAX_WORDS]
            for i in range(0, max(len(codes), 1), _GENSIM_MAX_WORDS)]


def _infer_vector(model, tokens, epochs, seed):
    """A new paragraph vector for ``tokens``, trained against the frozen model.

    gensim's ``infer_vector`` does the same but seeds its starting vector with Python's
    string hash, which changes from one process to the next: here both the starting vector
    and the negative sampling are seeded from the document's text and the model's seed, so
    a document gets the same vector in every batch, order and process.
    """
    from gensim.models.doc2vec_inner import train_document_dbow, train_document_dm

    text_seed = zlib.crc32("\x00".join(tokens).encode("utf-8", "surrogatepass"))
    size = model.dv.vector_size
    start = np.random.default_rng([seed, text_seed]).random(size, dtype=np.float32)
    vector = ((start - 0.5) / size).reshape(1, size)
    model.random.seed((seed + text_seed) % 2**32)  # drives the negative sampling
    lockf = np.ones(1, dtype=np.float32)
    work = np.zeros(model.layer1_size, dtype=np.float32)
    neu1 = np.zeros(model.layer1_size, dtype=np.float32)
    alpha = model.alpha
    step = (model.alpha - model.min_alpha) / max(epochs - 1, 1)
    for _ in range(epochs):
        if model.sg:
            train_document_dbow(model, tokens, [0], alpha, work, learn_words=False,
                                learn_hidden=False, doctag_vectors=vector,
                                doctags_lockf=lockf)
        else:
            train_document_dm(model, tokens, [0], alpha, work, neu1, learn_words=False,
                              learn_hidden=False, doctag_vectors=vector, doctags_lockf=lockf)
        alpha -= step
    return vector[0]
