import io
import tarfile
import urllib.error

import numpy as np
import pytest

from sknlp.datasets import _imdb, load_chinese_reviews, load_imdb


def test_imdb_subsets_have_the_official_sizes(imdb_home):
    train = load_imdb(subset="train", data_home=imdb_home)
    test = load_imdb(subset="test", data_home=imdb_home)
    unsup = load_imdb(subset="unsup", data_home=imdb_home)
    assert (len(train.data), len(test.data), len(unsup.data)) == (25000, 25000, 50000)
    assert train.target.mean() == 0.5 and test.target.mean() == 0.5
    assert set(unsup.target) == {-1}


def test_imdb_labels_agree_with_ratings(imdb_home):
    train = load_imdb(subset="train", data_home=imdb_home)
    assert (train.rating[train.target == 0] <= 4).all()
    assert (train.rating[train.target == 1] >= 7).all()
    assert not any("<br />" in t for t in train.data[:2000])
    raw = load_imdb(subset="train", data_home=imdb_home, remove_markup=False)
    assert any("<br />" in t for t in raw.data[:2000])


def test_imdb_frame_and_return_x_y(imdb_home):
    X, y = load_imdb(subset="test", data_home=imdb_home, return_X_y=True, as_frame=True)
    assert X.name == "text" and y.name == "label" and len(X) == 25000
    both = load_imdb(subset=["train", "unsup"], data_home=imdb_home)
    assert len(both.data) == 75000 and both.subset[0] == "train" and both.subset[-1] == "unsup"
    with pytest.raises(ValueError, match="subset"):
        load_imdb(subset="validation", data_home=imdb_home)


def _mini_archive(imdb_home, path):
    """A small archive in the official layout, built from real reviews."""
    train = load_imdb(subset="train", data_home=imdb_home, remove_markup=False)
    test = load_imdb(subset="test", data_home=imdb_home, remove_markup=False)
    with tarfile.open(path, "w:gz") as tar:
        for split, b in (("train", train), ("test", test)):
            for i in list(range(3)) + list(range(len(b.data) - 3, len(b.data))):
                label = ["neg", "pos"][b.target[i]]
                data = b.data[i].encode()
                info = tarfile.TarInfo(f"aclImdb/{split}/{label}/{b.ids[i]}_{b.rating[i]}.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return train


def test_imdb_from_a_folder_and_cache(imdb_home, tmp_path):
    archive = tmp_path / "aclImdb_v1.tar.gz"
    _mini_archive(imdb_home, archive)
    a = load_imdb(subset="train", data_home=tmp_path)
    assert len(a.data) == 6 and list(a.target) == [0, 0, 0, 1, 1, 1]
    assert list((tmp_path / "cache").glob("imdb_*.json"))  # parsed once, cached
    assert load_imdb(subset="train", data_home=tmp_path).data == a.data
    folder_home = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(folder_home, filter="data")
    b = load_imdb(subset="train", data_home=folder_home)
    assert b.data == a.data and list(b.ids) == list(a.ids)


def test_imdb_missing_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="aclImdb_v1.tar.gz"):
        load_imdb(data_home=tmp_path, download_if_missing=False)


def test_imdb_offline_download_says_where_to_put_the_file(tmp_path, monkeypatch):
    # No network here or in CI: simulate the failing connection.
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(_imdb.urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match=f"copy aclImdb_v1.tar.gz .* into {tmp_path}"):
        load_imdb(data_home=tmp_path)
    assert not list(tmp_path.glob("*.part"))
    home = tmp_path / "sknlp_data"  # offline, a data home that does not exist stays so
    with pytest.raises(OSError, match="could not download"):
        load_imdb(data_home=home)
    assert not home.exists()


def test_imdb_corrupt_download_is_rejected(tmp_path, monkeypatch):
    # Simulate a server answering with the wrong bytes: the checksum must catch it.
    monkeypatch.setattr(_imdb.urllib.request, "urlopen",
                        lambda *a, **k: io.BytesIO(b"not the archive"))
    with pytest.raises(OSError, match="corrupt"):
        load_imdb(data_home=tmp_path)
    assert not (tmp_path / "aclImdb_v1.tar.gz").exists()


def test_chinese_reviews_are_deduplicated(zh_reviews):
    d = zh_reviews
    assert len(set(d.data)) == len(d.data)  # no text twice, so no train/test leak
    assert d.n_raw == len(d.data) + d.n_duplicates_dropped + d.n_conflicts_dropped
    assert d.n_duplicates_dropped > 15000 and d.n_conflicts_dropped > 0
    assert set(np.unique(d.target)) == {0, 1}


def test_chinese_reviews_from_a_folder(tmp_path):
    (tmp_path / "pos.txt").write_text("好\n好\n一般\n", encoding="utf-8")
    (tmp_path / "neg.txt").write_text("差\n一般\n\n", encoding="utf-8")
    d = load_chinese_reviews(data_home=tmp_path, as_frame=True, shuffle=False)
    assert d.frame["text"].tolist() == ["差", "好"]
    assert d.n_duplicates_dropped == 1 and d.n_conflicts_dropped == 2
    X, y = load_chinese_reviews(data_home=tmp_path, return_X_y=True, shuffle=False)
    assert X == ["差", "好"] and y.tolist() == [0, 1]


def test_chinese_reviews_are_shuffled_reproducibly(zh_reviews):
    first = zh_reviews.target[:2000]
    assert 0.3 < first.mean() < 0.7  # both classes at the head, not one after the other
    again = load_chinese_reviews()
    assert again.data[:50] == zh_reviews.data[:50]
    other = load_chinese_reviews(random_state=1)
    assert other.data[:50] != zh_reviews.data[:50]
    assert sorted(other.data) == sorted(zh_reviews.data)
    ordered = load_chinese_reviews(shuffle=False).target
    assert (np.diff(ordered) >= 0).all()  # the files' order: negative, then positive
