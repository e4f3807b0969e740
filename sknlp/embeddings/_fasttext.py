"""FastText: Word2Vec's interface over subword vectors, so that unseen words get vectors."""

import struct
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ..preprocessing._text import lookup, smooth_idf
from ._word2vec import Word2Vec, load_vectors


def _read_facebook_bin(path):
    """Facebook's fastText ``.bin`` (vectors and subwords; data only: no code runs)."""
    from gensim.models.fasttext import load_facebook_vectors

    try:
        return load_facebook_vectors(path)
    except (ValueError, NotImplementedError, AssertionError, EOFError, struct.error) as exc:
        raise ValueError(f"{path} is not a fastText .bin file ({exc})") from None


class FastText(Word2Vec):
    """Dense document vectors pooled from fastText's subword word vectors.

    Everything :class:`Word2Vec` does (CBOW or skip-gram, the pooling modes, ``ngram_range``,
    :meth:`embedding_matrix` for the neural classifiers' ``embeddings=``), with the word
    vectors of fastText (Bojanowski et al., "Enriching Word Vectors with Subword
    Information", TACL 2017): a word's vector is the sum of its own and those of its
    character n-grams of ``min_n`` to ``max_n`` characters, hashed into ``bucket`` rows. A
    word never seen in training, or misspelt, still gets a vector from its n-grams: in
    :meth:`transform`, in :meth:`embedding_matrix` and in ``wv_[word]``. For Chinese, a word
    segmented by jieba gets one from its characters.

    Parameters
    ----------
    min_n, max_n : int, default=3, 6
        Lengths of the character n-grams (the word is wrapped in ``<`` and ``>`` first);
        ``max_n=0`` turns subwords off (plain Word2Vec). For Chinese words, ``min_n=1``
        lets single characters carry meaning.
    bucket : int, default=200,000
        Rows of the n-gram table. fastText's own default is 2,000,000, which costs 800 MB
        at 100 dimensions; 200,000 keeps a model laptop-sized (collisions cost little on
        corpora of this size).
    vector_size, sg, window, min_count, negative, epochs, sample, alpha, workers, \
random_state, pooling, verbose, analyzer, lower, filters, split, ngram_range
        As in :class:`Word2Vec`.
    pretrained : str, path, gensim FastTextKeyedVectors or FastText, default=None
        Use these vectors instead of training: a fastText ``.bin`` file (Facebook's format,
        with its subwords) or a gensim object.

    Attributes
    ----------
    wv_ : gensim.models.fasttext.FastTextKeyedVectors
        The word and n-gram vectors; ``wv_["unseenword"]`` works.
    idf_ : ndarray of shape (len(wv_),)
        Inverse document frequency of each word in the ``fit`` documents; a word seen only
        in ``transform`` gets the idf of a word in no document.
    vector_size_ : int
        Dimension of the output.
    n_documents_ : int
        Number of training documents.

    Examples
    --------
    >>> from sknlp.embeddings import FastText
    >>> docs = ["the acting was wonderful", "a wonderfully acted film", "dull acting"] * 40
    >>> ft = FastText(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> "wonderfull" in ft.wv_.key_to_index, ft.transform(["wonderfull"]).any()
    (False, np.True_)
    """

    _parameter_constraints = {
        **Word2Vec._parameter_constraints,
        "min_n": [Interval(Integral, 1, None, closed="left")],
        "max_n": [Interval(Integral, 0, None, closed="left")],
        "bucket": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, vector_size=100, sg=0, window=5, min_count=5, negative=5, epochs=5,
                 sample=1e-3, alpha=0.025, workers=1, random_state=None, pretrained=None,
                 pooling="mean", verbose=False, analyzer="word", lower=True, filters=None,
                 split=None, ngram_range=(1, 1), min_n=3, max_n=6, bucket=200_000):
        super().__init__(vector_size=vector_size, sg=sg, window=window, min_count=min_count,
                         negative=negative, epochs=epochs, sample=sample, alpha=alpha,
                         workers=workers, random_state=random_state, pretrained=pretrained,
                         pooling=pooling, verbose=verbose, analyzer=analyzer, lower=lower,
                         filters=filters, split=split, ngram_range=ngram_range)
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket

    def _gensim_model(self, **params):
        from gensim.models import FastText as GensimFastText

        if self.max_n and self.max_n < self.min_n:
            raise ValueError(f"max_n={self.max_n} is below min_n={self.min_n}; set max_n=0 "
                             "to turn subwords off")
        return GensimFastText(min_n=self.min_n, max_n=self.max_n, bucket=self.bucket, **params)

    @staticmethod
    def _load_pretrained(pretrained):
        from gensim.models import FastText as GensimFastText
        from gensim.models.fasttext import FastTextKeyedVectors

        return load_vectors(pretrained, keyed=FastTextKeyedVectors, model=GensimFastText,
                            read_file=_read_facebook_bin, kind="fastText .bin")

    def fit(self, X, y=None):
        super().fit(X, y)
        # The n-gram rows that training wrote: those of the vocabulary's words. Every other
        # row is random noise, so a token whose n-grams all land there gets no vector.
        wv = self.wv_
        self.trained_buckets_ = np.zeros(wv.bucket if wv.max_n else 0, dtype=bool)
        for word in wv.index_to_key if wv.max_n else ():
            self.trained_buckets_[_ngram_rows(word, wv)] = True
        return self

    fit.__doc__ = Word2Vec.fit.__doc__

    def _token_vectors(self, tokens):
        """Vocabulary words keep their rows; other tokens with a trained character n-gram
        get rows built from their n-grams, appended to the table (with the idf of a word in
        no document)."""
        rows = lookup(tokens, self.wv_.key_to_index)
        unseen = np.flatnonzero(rows < 0)
        if not len(unseen) or not self.trained_buckets_.any():
            return rows, self.wv_.vectors, self.idf_
        extra = np.zeros((len(unseen), self.wv_.vector_size), dtype=np.float32)
        has = np.zeros(len(unseen), dtype=bool)
        for j, i in enumerate(unseen.tolist()):
            has[j] = self.trained_buckets_[_ngram_rows(tokens[i], self.wv_)].any()
            if has[j]:
                extra[j] = self.wv_.get_vector(tokens[i])
        rows[unseen[has]] = len(self.wv_.vectors) + np.arange(has.sum())
        idf_unseen = smooth_idf(0, self.n_documents_)
        return (rows, np.vstack([self.wv_.vectors, extra[has]]),
                np.r_[self.idf_, np.full(has.sum(), idf_unseen, dtype=np.float32)])


def _ngram_rows(word, wv):
    from gensim.models.fasttext import ft_ngram_hashes

    return np.asarray(ft_ngram_hashes(word, wv.min_n, wv.max_n, wv.bucket), dtype=np.int64)
