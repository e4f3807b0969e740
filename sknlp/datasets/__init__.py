"""Dataset loaders (scikit-learn's ``load_*`` conventions) and the dataset registry.

Each loader module registers its dataset (:func:`register_dataset`), so that
:data:`DATASETS`, :func:`load_split` and the ``sknlp`` command know it.
"""

from ._base import get_data_home
from ._chinese import load_chinese_reviews
from ._imdb import imdb_available, load_imdb
from ._pairs import load_sentence_pairs, make_dates, split_pairs
from ._splits import DATASETS, TextSplit, load_file, load_split, register_dataset

__all__ = ["DATASETS", "TextSplit", "get_data_home", "imdb_available", "load_chinese_reviews",
           "load_file", "load_imdb", "load_sentence_pairs", "load_split", "make_dates",
           "register_dataset", "split_pairs"]
