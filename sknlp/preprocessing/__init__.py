"""Text transformers: tokenization, bag-of-words and n-gram features."""

from ._text import ngrams
from ._tokenizer import Tokenizer

__all__ = ["Tokenizer", "ngrams"]
