"""Text-to-text data: the Tatoeba sentence-pair loader (on the real file) and make_dates."""

import datetime
import os

import numpy as np
import pytest
from conftest import IMDB_HOME

from sknlp.datasets import load_sentence_pairs, make_dates


@pytest.fixture(scope="module")
def pairs_home():
    if not (IMDB_HOME / "cmn.txt").is_file():
        msg = f"cmn.txt not found in {IMDB_HOME} (set SKNLP_DATA to its folder)"
        if os.environ.get("SKNLP_REQUIRE_DATA"):
            pytest.fail(msg)
        pytest.skip(msg)
    return IMDB_HOME


def test_the_split_puts_no_sentence_on_both_sides(pairs_home):
    everything = load_sentence_pairs(data_home=pairs_home)
    train = load_sentence_pairs(subset="train", data_home=pairs_home)
    test = load_sentence_pairs(subset="test", data_home=pairs_home)
    assert len(train.data) + len(test.data) == len(everything.data) == 29155
    assert 0.09 < len(test.data) / len(everything.data) < 0.11
    # neither the English nor the Chinese of a test pair is seen in training
    assert not set(train.data) & set(test.data)
    assert not set(train.target) & set(test.target)
    # and the split is the same on every call
    assert load_sentence_pairs(subset="test", data_home=pairs_home).data == test.data


def test_every_pair_keeps_its_attribution(pairs_home):
    test = load_sentence_pairs(subset="test", data_home=pairs_home)
    assert len(test.attribution) == len(test.data)
    assert all(a.startswith("CC-BY 2.0 (France) Attribution: tatoeba.org #")
               for a in test.attribution)
    assert "CC-BY 2.0" in test.DESCR


def test_reverse_and_frame(pairs_home):
    fwd = load_sentence_pairs(subset="test", data_home=pairs_home)
    rev = load_sentence_pairs(subset="test", reverse=True, as_frame=True, data_home=pairs_home)
    assert rev.data.tolist() == fwd.target and rev.target.tolist() == fwd.data
    assert (rev.source_language, rev.target_language) == ("cmn", "en")
    assert list(rev.frame.columns) == ["en", "cmn", "attribution", "subset"]
    X, y = load_sentence_pairs(subset="test", return_X_y=True, data_home=pairs_home)
    assert X == fwd.data and y == fwd.target


def test_missing_file_says_where_to_get_it_and_creates_nothing(tmp_path):
    home = tmp_path / "nothing_here"
    with pytest.raises(FileNotFoundError, match=r"cmn\.txt not found.*manythings\.org/anki"):
        load_sentence_pairs(data_home=home)
    assert not home.exists()


def test_a_malformed_line_is_named(tmp_path):
    (tmp_path / "cmn.txt").write_text("Hi.\t嗨。\tCC-BY\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_sentence_pairs(data_home=tmp_path)


def test_a_file_in_another_encoding_is_named(tmp_path):
    (tmp_path / "cmn.txt").write_bytes("Hi.\t你好。\tCC-BY\n".encode("gbk"))
    with pytest.raises(ValueError, match=r"cmn\.txt is not UTF-8 text"):
        load_sentence_pairs(data_home=tmp_path)


def test_make_dates_rejects_a_bad_size():
    with pytest.raises(ValueError, match="n_samples"):
        make_dates(-1)


def test_make_dates():
    X, y = make_dates(500, random_state=0)
    assert (X, y) == make_dates(500, random_state=0)
    assert X != make_dates(500, random_state=1)[0]
    for text, iso in zip(X, y):
        date = datetime.date.fromisoformat(iso)
        assert 1950 <= date.year <= 2049 and str(date.year) in text
    assert len(set(X)) > 450  # varied spellings, not one template
    styles = {("/" in t, "." in t, "," in t, " of " in t) for t in X}
    assert len(styles) >= 4
    assert np.mean([t[0].isdigit() for t in X]) < 0.9
