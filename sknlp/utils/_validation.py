"""Input validation for text estimators.

Every public estimator funnels its ``X`` through :func:`check_documents` (raw text) or
:func:`check_token_sequences` (integer ids), so that bad input fails in one place with a
message naming the problem and the offending document.
"""

import math
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp


def _describe(obj):
    return type(obj).__name__


def _is_missing(doc):
    if doc is None:
        return True
    if isinstance(doc, float) and math.isnan(doc):
        return True
    try:
        import pandas as pd

        return doc is pd.NA or doc is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def _to_iterable(X, name):
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{name} should be an iterable of documents (list, numpy array, pandas Series), "
            f"got a single {_describe(X)}; wrap one document in a list: [text]"
        )
    if hasattr(X, "columns") and hasattr(X, "iloc"):  # pandas DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"{name} is a DataFrame with {X.shape[1]} columns {list(X.columns)}; "
                "pass the text column alone, e.g. df['text']"
            )
        return X.iloc[:, 0].tolist()
    if hasattr(X, "to_list") and hasattr(X, "dtype"):  # pandas Series / Index
        return X.to_list()
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        elif X.ndim != 1:
            raise ValueError(
                f"{name} should be a 1-D collection of documents, got an array of shape {X.shape}"
            )
        return X.tolist()
    if hasattr(X, "shape") and hasattr(X, "tocsr"):  # scipy sparse
        raise TypeError(f"{name} should be documents (text), got a sparse matrix")
    if not isinstance(X, Iterable):
        raise TypeError(f"{name} should be an iterable of documents, got {_describe(X)}")
    return list(X)


def check_documents(X, *, name="X", allow_empty_corpus=False):
    """Validate a collection of text documents and return it as a list of ``str``.

    Accepts a list, tuple, numpy array (1-D or one column), pandas Series or one-column
    DataFrame, or any iterable such as a generator. ``bytes`` documents are decoded as UTF-8.

    Parameters
    ----------
    X : iterable of str or bytes
        The documents.
    name : str, default="X"
        Name used in error messages.
    allow_empty_corpus : bool, default=False
        Whether zero documents are acceptable (``transform`` of nothing).

    Returns
    -------
    docs : list of str

    Raises
    ------
    TypeError
        ``X`` is a bare ``str``/``bytes``, or a document is not text.
    ValueError
        A document is missing (``None``/NaN), is not valid UTF-8, or there are no documents.
    """
    docs = _to_iterable(X, name)
    if not docs and not allow_empty_corpus:
        raise ValueError(f"{name} is empty: expected at least one document, got 0")
    if all(type(d) is str for d in docs):  # fast path for the common case
        return docs
    out = []
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            out.append(str(doc))
        elif isinstance(doc, (bytes, bytearray)):
            try:
                out.append(bytes(doc).decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"document {i} of {name} is not valid UTF-8 ({exc.reason} at byte "
                    f"{exc.start}); decode it yourself with the right encoding first"
                ) from None
        elif _is_missing(doc):
            raise ValueError(
                f"document {i} of {name} is missing ({doc!r}); drop or fill missing "
                "documents first, e.g. series.fillna('')"
            )
        else:
            raise TypeError(
                f"document {i} of {name} has type {_describe(doc)}; expected str "
                "(text) documents"
            )
    return out


def check_token_sequences(X, *, name="X"):
    """Validate a 2-D array of non-negative integer token ids (0 = padding).

    Parameters
    ----------
    X : array-like of shape (n_docs, seq_len)
        Integer ids, as produced by :class:`sknlp.preprocessing.Tokenizer`.
    name : str, default="X"
        Name used in error messages.

    Returns
    -------
    X : ndarray of shape (n_docs, seq_len), dtype int64
    """
    import scipy.sparse as sp

    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} should be a 2-D array of token ids (n_docs, seq_len), got a "
                        f"single {type(X).__name__}")
    if sp.issparse(X):
        raise TypeError(f"{name} is a sparse matrix; sparse input is not supported for token "
                        "ids: pass a dense 2-D integer array (n_docs, seq_len)")
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} should be a 2-D array of token ids (n_docs, seq_len), got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: expected at least one sequence, got 0")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} should hold integer token ids, got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} holds negative token ids (min {arr.min()}); ids must be >= 0")
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise ValueError(f"{name} holds a token id of {int(arr.max())}, beyond any vocabulary; "
                         "ids are positions in a tokenizer's vocabulary")
    return arr.astype(np.int64, copy=False)


def looks_like_token_ids(X):
    """Whether ``X`` is a 2-D integer array (the output of a Tokenizer)."""
    if isinstance(X, (list, tuple, str, bytes)) or not hasattr(X, "shape"):
        return False
    arr = np.asarray(X)
    return arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer)


# Documents encoded per call of ``transform``: the token stream of one chunk (codes, document
# ids, n-gram keys) is what a call holds besides its output, so a million documents need no
# more working memory than this many.
TRANSFORM_CHUNK = 100_000


def transform_in_chunks(encode, docs, chunk=None):
    """Apply ``encode`` (a transform or a prediction) to consecutive slices of ``docs`` and
    stack the results row-wise.

    ``encode`` must treat documents independently (each output row depends on its own
    document only), so the result equals ``encode(docs)``. Dense results are written into
    one preallocated array; sparse ones are stacked as CSR.
    """
    chunk = TRANSFORM_CHUNK if chunk is None else chunk
    if len(docs) <= chunk:
        return encode(docs)
    parts = (encode(docs[i:i + chunk]) for i in range(0, len(docs), chunk))
    first = next(parts)
    if sp.issparse(first):
        return sp.vstack([first, *parts], format="csr")
    out = np.empty((len(docs),) + first.shape[1:], dtype=first.dtype)
    out[:len(first)] = first
    start = len(first)
    for part in parts:
        out[start:start + len(part)] = part
        start += len(part)
    return out
