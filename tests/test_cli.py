import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sknlp.cli import load_file, main, parse_params

matplotlib.use("Agg")


def _accuracy(out):
    return float(out.split("test accuracy: ")[1].split()[0])


def test_default_job_trains_and_evaluates_on_chinese_reviews(capsys, zh_reviews):
    assert main(["--dataset", "chinese", "--model", "bow"]) == 0
    out = capsys.readouterr().out
    assert 0.75 < _accuracy(out) < 0.95  # 95 % would mean duplicates leaked into the test set
    assert "Chinese reviews" in out and "质量太差了" in out


def test_auto_dataset_prefers_imdb_when_its_archive_is_there(monkeypatch, imdb_home, tmp_path):
    from sknlp.cli import _has_imdb

    monkeypatch.setenv("SKNLP_DATA", str(imdb_home))
    assert _has_imdb(None)
    assert not _has_imdb(tmp_path)


def test_missing_imdb_is_a_readable_error(capsys, tmp_path):
    assert main(["--dataset", "imdb", "--data-home", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "aclImdb_v1.tar.gz" in err and str(tmp_path) in err


@pytest.fixture(scope="module")
def review_csv(imdb_small, tmp_path_factory):
    X_tr, y_tr, X_te, y_te = imdb_small
    path = tmp_path_factory.mktemp("data") / "reviews.csv"
    pd.DataFrame({"review": X_tr + X_te,
                  "sentiment": np.array(["neg", "pos"])[np.r_[y_tr, y_te]]}).to_csv(path)
    return path


def test_train_evaluate_predict_round_trip_on_a_csv(review_csv, tmp_path, capsys,
                                                    monkeypatch):
    model = tmp_path / "model.joblib"
    assert main(["train", "--data", str(review_csv), "--text-col", "review", "--label-col",
                 "sentiment", "--model", "ngram", "--param", "logisticregression__C=1.0",
                 "--output", str(model)]) == 0
    out = capsys.readouterr().out
    assert _accuracy(out) > 0.7 and f"model saved to {model}" in out

    plot = tmp_path / "confusion.png"
    assert main(["evaluate", str(model), "--data", str(review_csv), "--text-col", "review",
                 "--label-col", "sentiment", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert _accuracy(out) > 0.7 and "precision" in out and plot.stat().st_size > 5_000

    assert main(["predict", str(model), "a wonderful, moving film", "awful and boring"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["pos", "neg"]

    monkeypatch.setattr("sys.stdin", iter(["superb acting\n", "\n", "a waste of time\n"]))
    assert main(["predict", str(model), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["superb acting", "a waste of time"]
    assert all(abs(sum(r["proba"].values()) - 1) < 1e-5 for r in rows)


def test_benchmark_prints_a_table_and_saves_a_plot(review_csv, tmp_path, capsys):
    plot = tmp_path / "bench.png"
    assert main(["benchmark", "--data", str(review_csv), "--text-col", "review",
                 "--label-col", "sentiment", "--models", "ngram,bow", "--plot", str(plot),
                 "-q"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("ngram", "bow"))]
    assert [r[0] for r in rows] == ["ngram", "bow"]
    assert all(0.6 < float(r[1]) <= 1.0 for r in rows)
    assert plot.stat().st_size > 5_000


def test_readable_errors(review_csv, tmp_path, capsys):
    assert main(["train", "--data", str(review_csv), "--text-col", "text"]) == 1
    err = capsys.readouterr().err
    assert "no text column 'text'" in err and "'review'" in err and "'sentiment'" in err

    assert main(["train", "--data", str(review_csv), "--text-col", "review", "--label-col",
                 "sentiment", "--param", "no_such_param=1"]) == 1
    err = capsys.readouterr().err
    assert "no_such_param" in err and "logisticregression__C" in err

    assert main(["predict", str(tmp_path / "missing.joblib"), "text"]) == 1
    assert "sknlp train --output" in capsys.readouterr().err

    assert main(["benchmark", "--models", "ngram,nope"]) == 1
    assert "nope" in capsys.readouterr().err

    with pytest.raises(SystemExit):  # argparse: unknown model name
        main(["train", "--model", "gpt5"])


def test_parse_params_and_file_formats(tmp_path):
    assert parse_params(["lr=0.01", "pooling=attention", "ngram_range=(1, 2)"]) == {
        "lr": 0.01, "pooling": "attention", "ngram_range": (1, 2)}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_params(["lr"])
    frame = pd.DataFrame({"text": ["good", None, "bad"], "label": [1, 0, 0]})
    frame.to_parquet(tmp_path / "d.parquet")
    frame.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    for name in ("d.parquet", "d.jsonl"):
        texts, labels = load_file(tmp_path / name)
        assert texts == ["good", "", "bad"] and labels.tolist() == [1, 0, 0]
    with pytest.raises(FileNotFoundError, match="no such data file"):
        load_file(tmp_path / "absent.csv")
