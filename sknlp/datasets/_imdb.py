"""Loader for the Large Movie Review Dataset (IMDB), Maas et al., ACL 2011."""

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request

import numpy as np
from sklearn.utils import Bunch

from ._base import _writable_dir, get_cache_home, get_data_home
from ._splits import TextSplit, register_dataset

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
ARCHIVE_NAME = "aclImdb_v1.tar.gz"
FOLDER_NAME = "aclImdb"
SUBSETS = ("train", "test", "unsup")
_CACHE_VERSION = 1
_MEMBER = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg|unsup)/(\d+)_(\d+)\.txt$")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)

DESCR = """Large Movie Review Dataset v1.0 (IMDB)
=======================================

Movie reviews from IMDB with binary sentiment labels (Maas et al., "Learning Word Vectors
for Sentiment Analysis", ACL 2011). 25,000 labelled training reviews, 25,000 labelled test
reviews (balanced, at most 30 reviews per movie, train and test movies disjoint), and 50,000
unlabelled reviews. A review is negative when rated <= 4/10 and positive when >= 7/10.

target: 0 = neg, 1 = pos, -1 = unlabelled (the ``unsup`` subset), following scikit-learn's
semi-supervised convention. ``rating`` holds the 1-10 star rating (0 for ``unsup``).
"""


def _md5(path, chunk=1 << 20):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _download(data_home):
    """Fetch the archive into ``data_home``. Nothing is created there until the server has
    answered: offline, the folder is left as it was (not made empty)."""
    target = data_home / ARCHIVE_NAME
    offline_help = (f"If this machine is offline, copy {ARCHIVE_NAME} (or its extracted "
                    f"{FOLDER_NAME}/ folder) into {data_home}, or point data_home / the "
                    "SKNLP_DATA variable at its folder.")
    try:
        resp = urllib.request.urlopen(IMDB_URL, timeout=60)
    except (urllib.error.URLError, OSError) as exc:
        raise OSError(f"could not download the IMDB archive from {IMDB_URL} ({exc}). "
                      f"{offline_help}") from exc
    with resp:
        if not _writable_dir(data_home):
            raise OSError(f"cannot write the IMDB archive to {data_home}: the folder is not "
                          "writable")
        fd, tmp = tempfile.mkstemp(dir=data_home, suffix=".part")
        os.close(fd)
        try:
            try:
                with open(tmp, "wb") as out:
                    shutil.copyfileobj(resp, out)
            except (urllib.error.URLError, OSError) as exc:
                raise OSError(f"the download of the IMDB archive from {IMDB_URL} broke off "
                              f"({exc}). {offline_help}") from exc
            digest = _md5(tmp)
            if digest != IMDB_MD5:
                raise OSError(
                    f"the downloaded IMDB archive is corrupt (md5 {digest}, expected "
                    f"{IMDB_MD5}); try again")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return target


def _clean(text, remove_markup):
    return _BR.sub("\n", text) if remove_markup else text


def _parse_archive(path):
    """Read every review of the archive in one streaming pass."""
    rows = {s: [] for s in SUBSETS}
    with tarfile.open(path, mode="r|gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            m = _MEMBER.search(member.name)
            if m is None:
                continue
            subset = "unsup" if m.group(2) == "unsup" else m.group(1)
            text = tar.extractfile(member).read().decode("utf-8")
            rows[subset].append((m.group(2), int(m.group(3)), int(m.group(4)), text))
    return rows


def _parse_folder(path):
    rows = {s: [] for s in SUBSETS}
    for split, label in [("train", "neg"), ("train", "pos"), ("train", "unsup"),
                         ("test", "neg"), ("test", "pos")]:
        folder = path / split / label
        if not folder.is_dir():
            continue
        subset = "unsup" if label == "unsup" else split
        for file in folder.iterdir():
            m = re.fullmatch(r"(\d+)_(\d+)\.txt", file.name)
            if m:
                text = file.read_text(encoding="utf-8")
                rows[subset].append((label, int(m.group(1)), int(m.group(2)), text))
    return rows


def _source_key(source):
    st = source.stat()
    return f"{source.resolve()}|{st.st_size}|{st.st_mtime_ns}|v{_CACHE_VERSION}"


def _cache_path(data_home, key):
    name = "imdb_" + hashlib.sha1(key.encode()).hexdigest()[:12] + ".json"
    if _writable_dir(data_home / "cache"):
        return data_home / "cache" / name
    return get_cache_home() / name


def _load_rows(data_home, download_if_missing):
    folder = data_home / FOLDER_NAME
    archive = data_home / ARCHIVE_NAME
    if archive.is_file():
        source, parse = archive, _parse_archive
    elif (folder / "train").is_dir():
        source, parse = folder, _parse_folder
    elif download_if_missing:
        source, parse = _download(data_home), _parse_archive
    else:
        raise FileNotFoundError(
            f"IMDB data not found: looked for {archive} and {folder}/. Copy {ARCHIVE_NAME} "
            f"(from {IMDB_URL}) or its extracted folder there, point data_home / the SKNLP_DATA "
            "variable at its folder, or pass download_if_missing=True."
        )
    key = _source_key(source)
    cache = _cache_path(data_home, key)
    if cache.is_file():
        try:
            with open(cache, encoding="utf-8") as f:
                payload = json.load(f)
            if payload.get("key") == key:
                return payload["rows"]
        except (OSError, ValueError):
            pass  # a broken cache is rebuilt below
    rows = parse(source)
    for subset in rows:  # a stable order whatever the archive's member order
        rows[subset].sort(key=lambda r: (r[0] != "neg", r[1]))
    n_labelled = {s: len(rows[s]) for s in SUBSETS}
    if n_labelled["train"] == 0 or n_labelled["test"] == 0:
        raise OSError(f"{source} does not look like the IMDB dataset (found {n_labelled})")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"key": key, "rows": rows}, f)
        os.replace(tmp, cache)
    except OSError:
        pass  # caching is an optimisation; a read-only disk still loads
    return rows


def load_imdb(*, subset="train", data_home=None, download_if_missing=True, return_X_y=False,
              as_frame=False, remove_markup=True):
    """Load the IMDB movie-review sentiment dataset (Maas et al., 2011).

    Reads the official ``aclImdb_v1.tar.gz`` archive, or its extracted ``aclImdb/`` folder,
    from ``data_home``; downloads it (and checks its MD5) when missing and online. The first
    load parses the 100,000 files once and caches them as JSON next to the archive (or under
    ``~/.cache/sknlp`` when that folder is read-only); later loads take about a second.

    Parameters
    ----------
    subset : {"train", "test", "unsup"} or list of them, default="train"
        Which part to load. A list concatenates parts in the given order, e.g.
        ``["train", "unsup"]`` for Word2Vec training text.
    data_home : str or path-like, default=None
        Folder holding the archive. Defaults to ``$SKNLP_DATA`` or ``~/sknlp_data``.
    download_if_missing : bool, default=True
        Download the archive when it is not found.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series of text, ``frame`` a DataFrame with the
        columns ``text``, ``label``, ``rating``, ``id`` and ``subset``.
    remove_markup : bool, default=True
        Replace the ``<br />`` tags of the raw reviews with newlines.

    Returns
    -------
    data : Bunch
        ``data`` (list of str), ``target`` (int array: 0 neg, 1 pos, -1 unlabelled),
        ``target_names``, ``rating``, ``ids``, ``subset``, ``frame`` (when ``as_frame``)
        and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    With the archive in the data home (the example is not run by the doctests, which must
    pass without the 80 MB archive; ``tests/test_datasets.py`` loads the real one)::

        >>> from sknlp.datasets import load_imdb
        >>> X, y = load_imdb(subset="test", return_X_y=True)  # doctest: +SKIP
        >>> len(X), y.mean()  # doctest: +SKIP
        (25000, 0.5)
    """
    subsets = [subset] if isinstance(subset, str) else list(subset)
    bad = [s for s in subsets if s not in SUBSETS]
    if bad or not subsets:
        raise ValueError(f"subset should be one or several of {SUBSETS}, got {subset!r}")
    rows = _load_rows(get_data_home(data_home), download_if_missing)
    label_code = {"neg": 0, "pos": 1, "unsup": -1}
    texts, target, rating, ids, parts = [], [], [], [], []
    for s in subsets:
        for label, rid, stars, text in rows[s]:
            texts.append(_clean(text, remove_markup))
            target.append(label_code[label])
            rating.append(stars)
            ids.append(rid)
            parts.append(s)
    target = np.asarray(target, dtype=np.int64)
    bunch = Bunch(data=texts, target=target, target_names=np.array(["neg", "pos"]),
                  rating=np.asarray(rating, dtype=np.int64), ids=np.asarray(ids),
                  subset=np.asarray(parts), DESCR=DESCR)
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame({"text": texts, "label": target, "rating": bunch.rating,
                              "id": bunch.ids, "subset": bunch.subset})
        bunch.frame = frame
        bunch.data = frame["text"]
        bunch.target = frame["label"]
    if return_X_y:
        return bunch.data, bunch.target
    return bunch




def imdb_available(data_home=None):
    """Whether the IMDB archive (or its extracted folder) is in the data home."""
    home = get_data_home(data_home)
    return (home / ARCHIVE_NAME).is_file() or (home / FOLDER_NAME / "train").is_dir()


def _imdb_split(data_home, test_size, random_state):
    train = load_imdb(subset="train", data_home=data_home, download_if_missing=False)
    test = load_imdb(subset="test", data_home=data_home, download_if_missing=False)
    names = train.target_names
    return TextSplit(train.data, names[train.target], test.data, names[test.target], "word",
                     "IMDB (25,000 train / 25,000 test reviews)")


register_dataset("imdb", split=_imdb_split, available=imdb_available,
                 description="IMDB movie reviews, pos/neg (Maas et al., 2011): the official "
                             "25,000/25,000 split")
