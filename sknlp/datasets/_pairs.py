"""Text-to-text data: Tatoeba's sentence pairs, and a generated task that learns in seconds."""

import zlib
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._base import get_data_home

TATOEBA_PAGE = "https://www.manythings.org/anki/"

DESCR = """Tatoeba sentence pairs
=====================

Short everyday sentences and their translations, contributed to tatoeba.org and released as
one tab-separated file per language pair (``<pair>.txt``: English, translation,
attribution), as found at https://www.manythings.org/anki/ (``cmn`` is Mandarin Chinese).

Licence: CC-BY 2.0 (France). The attribution of each pair (its Tatoeba sentence numbers and
contributors) is part of the licence's terms: it is kept in ``attribution`` and must stay
with any copy of the pairs.

Split: sentences that are translations of one another, directly or through a shared
translation, form a group, and each group lies wholly in ``train`` or wholly in ``test``
(about 10 %, chosen by a hash of the group's first English sentence, so the split does not
depend on the file's order or on seeds). No sentence, English or translated, is on both
sides, in either direction of translation.
"""


def _read_pairs(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                         "convert it to UTF-8") from None
    src, tgt, attribution = [], [], []
    for n, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"{path}, line {n}: expected 'English<TAB>translation"
                             f"<TAB>attribution', got {line[:80]!r}")
        src.append(parts[0].strip())
        tgt.append(parts[1].strip())
        attribution.append(parts[2].strip() if len(parts) > 2 else "")
    return src, tgt, attribution


def _groups(src, tgt):
    """Group index of each pair: pairs linked by a shared sentence on either side share a
    group (union-find over the sentences)."""
    parent = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for s, t in zip(src, tgt):
        parent[find(("s", s))] = find(("t", t))
    number = {}
    return np.array([number.setdefault(find(("s", s)), len(number)) for s in src])


def _test_mask(src, group, share):
    """Each group goes to test when the crc32 of its first English sentence falls in the
    lowest ``share`` of the range."""
    first = {}
    for g, s in zip(group.tolist(), src):
        first.setdefault(g, s)
    cut = share * 2**32
    chosen = {g for g, s in first.items() if zlib.crc32(s.encode("utf-8")) < cut}
    return np.array([g in chosen for g in group.tolist()], dtype=bool)


def load_sentence_pairs(*, pair="cmn", subset="all", reverse=False, data_home=None,
                        return_X_y=False, as_frame=False):
    """Load Tatoeba's English sentence pairs (English-Chinese for ``pair="cmn"``).

    Reads ``<pair>.txt`` (tab-separated: English, translation, attribution) from the data
    home. Nothing is downloaded: get ``<pair>-eng.zip`` from https://www.manythings.org/anki/
    and put its ``<pair>.txt`` in the data home.

    Parameters
    ----------
    pair : str, default="cmn"
        The file's language code (``cmn``: Mandarin Chinese).
    subset : {"train", "test", "all"}, default="all"
        The fixed split: about 10 % of the pairs in ``test``, and no sentence, on either
        side, in both parts (see ``DESCR``).
    reverse : bool, default=False
        Translate into English: ``data`` holds the translations and ``target`` the English.
    data_home : str or path-like, default=None
        Folder holding the file; default ``$SKNLP_DATA`` or ``~/sknlp_data``.
    return_X_y : bool, default=False
        Return ``(data, target)`` (source and target sentences) instead of a Bunch.
    as_frame : bool, default=False
        Also build ``frame``, a DataFrame with columns ``en``, ``<pair>``, ``attribution``
        and ``subset``; ``data`` and ``target`` become its columns.

    Returns
    -------
    data : Bunch
        ``data`` (source sentences), ``target`` (their translations), ``attribution``
        (kept with every pair, as the licence requires), ``subset``, ``source_language``,
        ``target_language``, ``frame`` (when ``as_frame``) and ``DESCR``.
    (data, target) : tuple of lists if ``return_X_y`` is True
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset should be 'train', 'test' or 'all', got {subset!r}")
    home = get_data_home(data_home)
    path = Path(home) / f"{pair}.txt"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path.name} not found in {home}: download {pair}-eng.zip from {TATOEBA_PAGE}, "
            f"put its {path.name} there, or point data_home / the SKNLP_DATA variable at the "
            "folder that holds it")
    en, other, attribution = _read_pairs(path)
    test = _test_mask(en, _groups(en, other), 0.1)
    parts = np.where(test, "test", "train")
    keep = np.ones(len(en), dtype=bool) if subset == "all" else parts == subset
    idx = np.flatnonzero(keep)
    en = [en[i] for i in idx]
    other = [other[i] for i in idx]
    attribution = [attribution[i] for i in idx]
    src, tgt = (other, en) if reverse else (en, other)
    langs = (pair, "en") if reverse else ("en", pair)
    bunch = Bunch(data=src, target=tgt, attribution=attribution, subset=parts[idx],
                  source_language=langs[0], target_language=langs[1], DESCR=DESCR)
    if as_frame:
        import pandas as pd

        bunch.frame = pd.DataFrame({"en": en, pair: other, "attribution": attribution,
                                    "subset": parts[idx]})
        bunch.data = bunch.frame[langs[0]]
        bunch.target = bunch.frame[langs[1]]
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def split_pairs(X, y, *, test_size=0.1, description="sentence pairs"):
    """A train/test split of text pairs in which no text, source or target, is on both
    sides: pairs that share a sentence go to the same side (as in
    :func:`load_sentence_pairs`), chosen by a hash of their first source text, so the split
    does not depend on the rows' order.

    Parameters
    ----------
    X, y : sequences of str
        Source and target texts, pair by pair.
    test_size : float, default=0.1
        About this share of the pairs (by groups) is held out.
    description : str
        What the data is, for reports.

    Returns
    -------
    split : TextSplit
        ``y_train`` and ``y_test`` are arrays of texts; ``analyzer`` is ``"char"`` when the
        sources are mostly Chinese characters.
    """
    from ..utils._text import mostly_chinese
    from ..utils._validation import check_documents
    from ._splits import TextSplit

    if not 0 < test_size < 1:
        raise ValueError(f"test_size should be between 0 and 1, got {test_size!r}")
    X = check_documents(X)
    y = check_documents(y, name="y")
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} sources, {len(y)} "
                         "targets")
    test = _test_mask(X, _groups(X, y), test_size)
    if test.all() or not test.any():
        raise ValueError(f"{len(X)} pairs are too few to hold {test_size:.0%} out as a test "
                         "set with no text on both sides")
    tr, te = np.flatnonzero(~test), np.flatnonzero(test)
    return TextSplit([X[i] for i in tr], np.array([y[i] for i in tr], dtype=object),
                     [X[i] for i in te], np.array([y[i] for i in te], dtype=object),
                     "char" if mostly_chinese(X) else "word",
                     f"{description} ({len(tr):,} train / {len(te):,} test pairs, no text on "
                     "both sides)")


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_ORDINALS = {1: "first", 2: "second", 3: "third", 5: "fifth", 8: "eighth", 9: "ninth",
             12: "twelfth", 20: "twentieth", 30: "thirtieth"}


def _ordinal_suffix(day):
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def make_dates(n_samples=1000, *, random_state=None):
    """A text-to-text task that a small model learns in seconds: dates as people write
    them -> ISO dates.

    ``"the 3rd of March 1999"``, ``"March 3, 1999"``, ``"3 mar 1999"``, ``"03/03/1999"``
    (day first) and other spellings of days between 1950 and 2049 -> ``"1999-03-03"``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of pairs.
    random_state : int, RandomState instance or None, default=None
        Seeds the dates and their spellings.

    Returns
    -------
    X : list of str
        Dates as written.
    y : list of str
        The same dates as ``YYYY-MM-DD``.

    Examples
    --------
    >>> from sknlp.datasets import make_dates
    >>> X, y = make_dates(3, random_state=0)
    >>> len(X), all(len(d) == 10 and d[4] == "-" for d in y)
    (3, True)
    """
    import datetime

    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 0:
        raise ValueError(f"n_samples should be a non-negative integer, got {n_samples!r}")
    rng = check_random_state(random_state)
    start = datetime.date(1950, 1, 1).toordinal()
    days = rng.randint(0, datetime.date(2049, 12, 31).toordinal() - start + 1, n_samples)
    styles = rng.randint(0, 7, n_samples)
    X, y = [], []
    for offset, style in zip(days.tolist(), styles.tolist()):
        d = datetime.date.fromordinal(start + offset)
        month = _MONTHS[d.month - 1]
        day_word = _ORDINALS.get(d.day, _ordinal_suffix(d.day))
        X.append([
            f"the {_ordinal_suffix(d.day)} of {month} {d.year}",
            f"{month} {d.day}, {d.year}",
            f"{d.day} {month[:3].lower()} {d.year}",
            f"{d.day:02d}/{d.month:02d}/{d.year}",
            f"{month.lower()} the {day_word}, {d.year}",
            f"{d.day}.{d.month}.{d.year}",
            f"{month[:3]} {d.day} {d.year}",
        ][style])
        y.append(d.isoformat())
    return X, y
