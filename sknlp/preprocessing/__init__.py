"""Text transformers: tokenization, bag-of-words and n-gram features, n-gram ids."""

from ._bow import BagOfWords
from ._ngram import NGram
from ._ngram_sequences import NGramSequences
from ._text import ngrams
from ._tokenizer import Tokenizer

__all__ = ["BagOfWords", "NGram", "NGramSequences", "Tokenizer", "ngrams"]
