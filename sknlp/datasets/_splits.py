"""Train/test splits of the registered datasets and of users' own files.

A dataset joins the registry (:data:`DATASETS`) from its loader's module with
:func:`register_dataset`, so the command, the benchmarks and the docs list it without
further edits: adding a dataset touches its loader module and ``datasets/__init__.py``.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class TextSplit:
    """A train/test split of labelled texts and how it was made.

    Attributes
    ----------
    X_train, X_test : list of str
    y_train, y_test : ndarray
    analyzer : {"word", "char"}
        The tokens that suit the language (``"char"`` for Chinese).
    description : str
        One line for reports: the source, its size and the split.
    """

    X_train: list
    y_train: np.ndarray
    X_test: list
    y_test: np.ndarray
    analyzer: str
    description: str


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset: how to split it, whether it is at hand, what it is."""

    name: str
    split: object  # (data_home, test_size, random_state) -> TextSplit
    available: object  # data_home -> bool
    description: str


DATASETS = {}


def register_dataset(name, *, split, available, description):
    """Add a dataset to :data:`DATASETS` (called by each loader's module)."""
    DATASETS[name] = DatasetSpec(name, split, available, description)


def _read_table(path, encoding):
    import pandas as pd

    suffixes = "".join(path.suffixes[-2:]).lower()
    if suffixes.endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    if suffixes.endswith((".jsonl", ".ndjson")):
        return pd.read_json(path, lines=True, encoding=encoding)
    if suffixes.endswith(".json"):
        return pd.read_json(path, encoding=encoding)
    sep = "\t" if suffixes.endswith((".tsv", ".tab")) else ","
    return pd.read_csv(path, sep=sep, encoding=encoding)


def load_file(path, text_col="text", label_col="label", *, require_labels=True,
              encoding="utf-8"):
    """Texts and labels from a CSV, TSV, JSON-lines or Parquet file.

    Parameters
    ----------
    path : str or path-like
    text_col, label_col : str
        Column names.
    require_labels : bool, default=True
        Whether a missing label column is an error (else ``labels`` is None).
    encoding : str, default="utf-8"
        Text encoding of CSV, TSV and JSON files.

    Returns
    -------
    texts : list of str
    labels : ndarray or None
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    try:
        frame = _read_table(path, encoding)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: expected a header row and one row per text") \
            from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not {encoding} text ({exc.reason} at the bytes "
                         f"{bytes(exc.object[exc.start:exc.start + 4])!r}); give its "
                         "encoding, e.g. --encoding gbk") from None
    if len(frame) == 0:
        raise ValueError(f"{path} has a header ({', '.join(map(str, frame.columns))}) but no "
                         "rows")
    columns = ", ".join(map(repr, frame.columns))
    if text_col not in frame.columns:
        raise KeyError(f"{path}: no text column {text_col!r}; the columns are {columns} "
                       "(choose one with --text-col)")
    if label_col not in frame.columns:
        if require_labels:
            raise KeyError(f"{path}: no label column {label_col!r}; the columns are {columns} "
                           "(choose one with --label-col)")
        labels = None
    else:
        labels = frame[label_col].to_numpy()
        if frame[label_col].isna().any():
            rows = np.flatnonzero(frame[label_col].isna().to_numpy())[:5].tolist()
            raise ValueError(f"{path}: column {label_col!r} has missing labels (rows {rows})")
    texts = frame[text_col].fillna("").astype(str).tolist()
    return texts, labels


def stratified_split(X, y, *, test_size, random_state, analyzer, description):
    """A :class:`TextSplit` of ``X, y``, stratified when every class has two rows."""
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    counts = np.unique(y, return_counts=True)[1]
    stratify = y if counts.min() >= 2 else None
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=stratify,
                                              random_state=random_state)
    return TextSplit(X_tr, y_tr, X_te, y_te, analyzer, description)


def load_split(dataset="auto", *, data=None, text_col="text", label_col="label",
               test_size=0.2, analyzer=None, data_home=None, random_state=0,
               encoding="utf-8"):
    """The train/test split a command or a benchmark works on.

    Parameters
    ----------
    dataset : str, default="auto"
        A name of :data:`DATASETS`, or ``"auto"``: IMDB when its archive is in the data
        home, the Chinese reviews otherwise (nothing to download).
    data : str or path-like, default=None
        A file of one's own (see :func:`load_file`), split ``1 - test_size`` /
        ``test_size``, stratified; it overrides ``dataset``.
    text_col, label_col, encoding :
        How to read ``data``.
    test_size : float, default=0.2
        Held-out share of ``data`` (and of datasets without a fixed test set).
    analyzer : {"word", "char"} or None, default=None
        Overrides the dataset's own.
    data_home : str or path-like, default=None
    random_state : int, default=0

    Returns
    -------
    split : TextSplit
    """
    if data is not None:
        X, y = load_file(data, text_col, label_col, encoding=encoding)
        return stratified_split(
            X, y, test_size=test_size, random_state=random_state,
            analyzer=analyzer or "word",
            description=f"{data} ({len(X):,} rows; {1 - test_size:.0%}/{test_size:.0%} split)")
    if dataset == "auto":
        dataset = "imdb" if DATASETS["imdb"].available(data_home) else "chinese"
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose auto or one of "
                         f"{', '.join(DATASETS)}")
    split = DATASETS[dataset].split(data_home, test_size, random_state)
    if analyzer is not None:
        split.analyzer = analyzer
    return split
