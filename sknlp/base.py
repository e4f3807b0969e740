"""The text contract shared by every sknlp estimator.

Two mixins, in the spirit of scikit-learn's ``_VectorizerMixin``, so that each idea has one
home instead of living in one estimator's file and being imported by the others:

- :class:`TextInputMixin`: the estimator takes documents (strings), not numeric arrays; its
  tags say so, which is what scikit-learn's checks and meta-estimators read.
- :class:`AnalyzerMixin`: the analysis step of estimators that tokenize themselves: the
  ``analyzer``, ``lower``, ``filters`` and ``split`` parameters with their constraints, and
  ``_factorize``, which turns validated documents into a
  :class:`~sknlp.preprocessing._text.Corpus` through the one tokenizing engine,
  :func:`~sknlp.preprocessing._text.factorize`.

Both go left of ``BaseEstimator`` in the bases, as scikit-learn's mixins do.
"""

from sklearn.utils._param_validation import StrOptions

__all__ = ["AnalyzerMixin", "TextInputMixin"]


class TextInputMixin:
    """Tags of an estimator whose ``X`` is an iterable of documents."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


class AnalyzerMixin(TextInputMixin):
    """Parameters and analysis step of the estimators that tokenize documents.

    A subclass adds :attr:`_analyzer_constraints` to its ``_parameter_constraints`` and
    calls :meth:`_factorize` on documents that ``check_documents`` has validated. Those that
    put each position's n-grams into the token stream (``Tokenizer``, ``Word2Vec``) keep
    ``_stream_ngrams = True``; bags of n-grams count their n-grams themselves.
    """

    _analyzer_constraints = {
        "analyzer": [StrOptions({"word", "char"}), callable],
        "lower": ["boolean"],
        "filters": [str, None],
        "split": [str, None],
    }
    _stream_ngrams = True

    def build_analyzer(self):
        """A callable that turns one document into its list of tokens (and n-grams, for an
        estimator with ``ngram_range``), as this estimator sees them; scikit-learn's
        vectorizers offer the same method. Needs no fitting.

        Examples
        --------
        >>> from sknlp import Tokenizer
        >>> Tokenizer().build_analyzer()("Great movie, GREAT cast!")
        ['great', 'movie', 'great', 'cast']
        """
        from .preprocessing._text import factorize, ngram_range_of

        params = dict(analyzer=self.analyzer, lower=self.lower, filters=self.filters,
                      split=self.split, ngram_range=ngram_range_of(self))

        def analyze(doc):
            corpus = factorize([doc], **params)
            return [corpus.uniques[i] for i in corpus.codes.tolist()]

        return analyze

    def _factorize(self, docs):
        from .preprocessing._text import factorize, ngram_range_of

        ngram_range = ngram_range_of(self) if self._stream_ngrams else (1, 1)
        return factorize(docs, analyzer=self.analyzer, lower=self.lower,
                         filters=self.filters, split=self.split, ngram_range=ngram_range)
