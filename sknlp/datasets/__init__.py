"""Dataset loaders (scikit-learn's ``load_*`` conventions)."""

from ._base import get_data_home
from ._chinese import load_chinese_reviews
from ._imdb import load_imdb

__all__ = ["get_data_home", "load_chinese_reviews", "load_imdb"]
