import numpy as np
import pandas as pd
import pytest

from sknlp.utils import check_documents, check_token_sequences


def test_accepts_common_containers():
    docs = ["one", "two"]
    assert check_documents(docs) == docs
    assert check_documents(np.array(docs, dtype=object)) == docs
    assert check_documents(np.array(docs)) == docs  # numpy str_ array
    assert check_documents(pd.Series(docs, index=[5, 9])) == docs
    assert check_documents(pd.DataFrame({"text": docs})) == docs
    assert check_documents(np.array(docs, dtype=object)[:, None]) == docs
    assert check_documents(d for d in docs) == docs
    assert check_documents([b"caf\xc3\xa9"]) == ["café"]


@pytest.mark.parametrize("bad", ["a text", b"a text"])
def test_bare_string_is_a_type_error(bad):
    with pytest.raises(TypeError, match="wrap one document in a list"):
        check_documents(bad)


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
def test_missing_document_names_its_position(missing):
    with pytest.raises(ValueError, match="document 2 of X is missing"):
        check_documents(["a", "b", missing])


def test_non_text_document():
    with pytest.raises(TypeError, match="document 1 of X has type int"):
        check_documents(["a", 3])


def test_invalid_utf8_names_the_byte():
    with pytest.raises(ValueError, match="document 0 of X is not valid UTF-8.*byte 1"):
        check_documents([b"a\xff"])


def test_empty_corpus():
    with pytest.raises(ValueError, match="got 0"):
        check_documents([])
    assert check_documents([], allow_empty_corpus=True) == []


def test_wide_dataframe_names_its_columns():
    with pytest.raises(ValueError, match=r"\['a', 'b'\]"):
        check_documents(pd.DataFrame({"a": ["x"], "b": ["y"]}))


def test_2d_text_array_is_rejected():
    with pytest.raises(ValueError, match="shape"):
        check_documents(np.array([["a", "b"], ["c", "d"]]))


def test_token_sequences():
    assert check_token_sequences([[1, 2], [3, 0]]).shape == (2, 2)
    with pytest.raises(ValueError, match="2-D"):
        check_token_sequences([1, 2])
    with pytest.raises(TypeError, match="integer"):
        check_token_sequences([[1.5]])
    with pytest.raises(ValueError, match="negative"):
        check_token_sequences([[1, -1]])
