"""Text transformers: tokenization, bag-of-words and n-gram features."""

from ._bow import BagOfWords
from ._ngram import NGram
from ._text import ngrams
from ._tokenizer import Tokenizer

__all__ = ["BagOfWords", "NGram", "Tokenizer", "ngrams"]
