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
    assert "Chinese reviews" in out and "examples from the test split" in out


def test_auto_dataset_prefers_imdb_when_its_archive_is_there(monkeypatch, imdb_home, tmp_path):
    from sknlp.datasets import imdb_available

    monkeypatch.setenv("SKNLP_DATA", str(imdb_home))
    assert imdb_available(None)
    assert not imdb_available(tmp_path)


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
    model = tmp_path / "model.sknlp"
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
    assert "no_such_param" in err and "logisticregression__" in err and len(err.splitlines()) == 1
    assert main(["train", "--data", str(review_csv), "--text-col", "review", "--label-col",
                 "sentiment", "--param", "logisticregression__c=1"]) == 1
    err = capsys.readouterr().err
    assert "did you mean logisticregression__C?" in err and len(err.splitlines()) == 1

    assert main(["predict", str(tmp_path / "missing.sknlp"), "text"]) == 1
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


# -- model files the command can trust (the quick start, for every model) -------------------

# Small settings per model, so that the whole quick start runs in seconds.
QUICK = {"ngram": [], "bow": [], "w2v": ["--param", "word2vec__epochs=1"],
         "fasttext": ["--param", "fasttext__epochs=1", "--param", "fasttext__bucket=1000"],
         "doc2vec": ["--param", "doc2vec__epochs=1"],
         "lstm": ["--param", "max_epochs=1", "--param", "embedding_dim=16",
                  "--param", "hidden_size=16"],
         "lstm-attention": ["--param", "max_epochs=1", "--param", "embedding_dim=16",
                            "--param", "hidden_size=16"],
         "transformer": ["--param", "max_epochs=1", "--param", "d_model=16",
                         "--param", "dim_feedforward=32"],
         "minilm": ["--param", "max_epochs=1", "--param", "maxlen=32"]}


@pytest.fixture(scope="module")
def small_csv(imdb_small, tmp_path_factory):
    X_tr, y_tr = imdb_small[0][:160], imdb_small[1][:160]
    path = tmp_path_factory.mktemp("data") / "small.csv"
    pd.DataFrame({"text": X_tr, "label": np.array(["neg", "pos"])[y_tr]}).to_csv(path)
    return path


def test_every_model_of_the_command_covers_the_quick_start():
    from sknlp.cli import MODELS

    assert set(QUICK) | {"seq2seq"} == set(MODELS)  # seq2seq: its own test below


@pytest.fixture(scope="module")
def pairs_csv(imdb_home, tmp_path_factory):
    """Real English-Chinese pairs (their attribution kept, as the licence asks) as a CSV."""
    from sknlp.datasets import load_sentence_pairs

    if not (imdb_home / "cmn.txt").is_file():
        pytest.skip("cmn.txt not in the data home")
    frame = load_sentence_pairs(subset="train", data_home=imdb_home, as_frame=True).frame
    path = tmp_path_factory.mktemp("pairs") / "pairs.csv"
    frame.iloc[:800][["en", "cmn", "attribution"]].rename(columns={"cmn": "zh"}).to_csv(
        path, index=False)
    return path


def test_seq2seq_train_predict_evaluate_demo(pairs_csv, tmp_path, capsys):
    model = tmp_path / "s2s.sknlp"
    quick = ["--param", "max_epochs=1", "--param", "embedding_dim=16", "--param",
             "hidden_size=16", "--param", "verbose=0"]
    assert main(["train", str(pairs_csv), "--model", "seq2seq", "--text-col", "en",
                 "--target-col", "zh", *quick, "--output", str(model)]) == 0, \
        capsys.readouterr().err
    out = capsys.readouterr().out
    assert "no text on both sides" in out and "test BLEU: " in out and "chrF: " in out
    assert "source -> written | reference" in out and f"model saved to {model}" in out
    assert main(["predict", str(model), "I love you.", "Where is the station?", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["I love you.", "Where is the station?"]
    assert all(isinstance(r["output"], str) and "label" not in r for r in rows)
    assert main(["evaluate", str(model), "--data", str(pairs_csv), "--text-col", "en",
                 "--target-col", "zh"]) == 0
    out = capsys.readouterr().out
    assert "800 pairs, all scored" in out and "test BLEU: " in out
    assert main(["benchmark", str(pairs_csv), "--models", "ngram,seq2seq"]) == 1
    assert "seq2seq writes text" in capsys.readouterr().err
    gr = pytest.importorskip("gradio")
    from sknlp.cli import load_model
    from sknlp.demo import make_demo, write

    loaded = load_model(model)
    assert isinstance(make_demo(loaded), gr.Blocks)  # what `sknlp demo` serves
    output, figure = write(loaded, "I love you.")
    assert output == loaded.predict(["I love you."])[0]
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["i", "love", "you"]


def test_seq2seq_without_a_file_trains_on_the_tatoeba_pairs(imdb_home):
    import argparse

    from sknlp.cli import _pairs_from_args

    if not (imdb_home / "cmn.txt").is_file():
        pytest.skip("cmn.txt not in the data home")
    data = _pairs_from_args(argparse.Namespace(data=None, data_home=imdb_home))
    assert (len(data.X_train), len(data.X_test)) == (26237, 2918)
    assert not set(data.X_train) & set(data.X_test)


@pytest.mark.parametrize("name", list(QUICK))
def test_quick_start_train_predict_evaluate_demo_on_a_csv(name, small_csv, tmp_path, capsys):
    if name == "minilm":
        pytest.importorskip("transformers")
    model = tmp_path / "m.sknlp"
    assert main(["train", "--data", str(small_csv), "--model", name, *QUICK[name],
                 "--output", str(model)]) == 0, capsys.readouterr().err
    assert f"model saved to {model}" in capsys.readouterr().out
    assert main(["predict", str(model), "a wonderful film", "a dull film", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["label"] in ("neg", "pos") for r in rows] == [True, True]
    assert main(["evaluate", str(model), "--data", str(small_csv)]) == 0
    assert "test accuracy" in capsys.readouterr().out
    gr = pytest.importorskip("gradio")
    from sknlp.cli import load_model
    from sknlp.demo import make_demo

    assert isinstance(make_demo(load_model(model)), gr.Blocks)  # what `sknlp demo` serves


def test_a_pickle_is_refused_unless_trusted_by_name(small_csv, tmp_path, capsys):
    import joblib

    from sknlp.cli import load_model

    assert main(["train", "--data", str(small_csv), "--output", str(tmp_path / "m.sknlp")]) == 0
    capsys.readouterr()
    joblib.dump(load_model(tmp_path / "m.sknlp"), tmp_path / "m.joblib")
    for command in (["predict", str(tmp_path / "m.joblib"), "hi"],
                    ["evaluate", str(tmp_path / "m.joblib"), "--data", str(small_csv)],
                    ["demo", str(tmp_path / "m.joblib")]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "pickle" in err and "--trust-pickle" in err and len(err.splitlines()) == 1
    assert main(["predict", str(tmp_path / "m.joblib"), "hi", "--trust-pickle"]) == 0


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04trunc", b"hello"])
def test_an_empty_or_truncated_model_file_is_one_line(tmp_path, capsys, content):
    (tmp_path / "m.sknlp").write_bytes(content)
    assert main(["predict", str(tmp_path / "m.sknlp"), "hi"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "m.sknlp" in err


def test_header_only_and_empty_files_are_clear_errors(tmp_path, capsys):
    (tmp_path / "header.csv").write_text("text,label\n")
    (tmp_path / "empty.csv").write_text("")
    for name, says in (("header.csv", "no rows"), ("empty.csv", "is empty")):
        assert main(["train", "--data", str(tmp_path / name)]) == 1
        err = capsys.readouterr().err
        assert says in err and name in err and len(err.splitlines()) == 1


def test_a_missing_output_folder_fails_before_training(small_csv, tmp_path, capsys,
                                                       monkeypatch):
    import sknlp.cli as cli

    monkeypatch.setattr(cli, "_data_from_args", lambda args: pytest.fail("trained anyway"))
    assert main(["train", "--data", str(small_csv), "--output",
                 str(tmp_path / "no" / "m.sknlp")]) == 1
    assert "does not exist" in capsys.readouterr().err


class _CtrlCInEpoch2:
    """A skorch callback that presses Ctrl-C in the middle of the second epoch."""

    def __new__(cls):
        from skorch.callbacks import Callback

        class CtrlC(Callback):
            def on_batch_end(self, net, training=None, **kwargs):
                if training and len(net.history) == 2:
                    raise KeyboardInterrupt

        return CtrlC()


@pytest.mark.parametrize("keep", [False, True], ids=["default", "save-interrupted"])
def test_ctrl_c_stops_the_command(small_csv, tmp_path, capsys, monkeypatch, keep):
    import sknlp
    import sknlp.cli as cli

    real_build = cli._build

    def build(name, analyzer, params):
        model = real_build(name, analyzer, params)
        return model.set_params(callbacks=[_CtrlCInEpoch2()])

    monkeypatch.setattr(cli, "_build", build)
    out_file = tmp_path / "m.sknlp"
    out_file.write_bytes(b"the model that was there")
    args = ["train", "--data", str(small_csv), "--model", "lstm", *QUICK["lstm"],
            "--param", "max_epochs=3", "--output", str(out_file)]
    with pytest.warns(UserWarning, match="interrupted during epoch 2"):
        status = main(args + (["--save-interrupted"] if keep else []))
    assert status == 130
    captured = capsys.readouterr()
    assert "interrupted" in captured.err and "test accuracy" not in captured.out
    if keep:
        model = sknlp.load(out_file)  # callbacks=None is saved: only the finished epoch
        assert len(model.history_) == 1
    else:
        assert out_file.read_bytes() == b"the model that was there"


def test_ctrl_c_in_a_linear_model_stops_the_command(small_csv, capsys, monkeypatch):
    import sknlp.cli as cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_timed_score", interrupted)
    assert main(["train", "--data", str(small_csv)]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_benchmark_params_reach_only_the_models_that_have_them(review_csv, capsys):
    args = ["benchmark", "--data", str(review_csv), "--text-col", "review", "--label-col",
            "sentiment", "--models", "ngram,w2v", "--plot", "", "-q"]
    assert main(args + ["--param", "word2vec__epochs=1", "--param", "ngram:ngram__min_df=1"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[-2:]] == \
        ["ngram", "w2v"]
    assert main(args + ["--param", "max_epochs=3"]) == 1
    assert "none of the models ngram, w2v" in capsys.readouterr().err
    assert main(args + ["--param", "lstm:max_epochs=3"]) == 1
    assert "'lstm' is not among the models" in capsys.readouterr().err


def test_a_file_given_to_evaluate_is_scored_whole(small_csv, tmp_path, capsys):
    model = tmp_path / "m.sknlp"
    assert main(["train", str(small_csv), "--output", str(model)]) == 0  # FILE positional
    out = capsys.readouterr().out
    assert "small.csv (160 rows; 80%/20% split)" in out
    assert "examples from the test split" in out  # the user's own texts, not fixed ones
    assert main(["evaluate", str(model), str(small_csv)]) == 0
    out = capsys.readouterr().out
    assert "160 rows, all scored" in out
    import re

    assert re.search(r"accuracy\s+\S+\s+160\n", out)  # the report's support: every row


def test_gbk_files_and_stdin_need_their_encoding(tmp_path, small_csv, capsys, monkeypatch):
    import io

    frame = pd.DataFrame({"text": ["这本书写得很好", "质量太差了，不推荐"] * 20,
                          "label": ["pos", "neg"] * 20})
    gbk = tmp_path / "reviews.csv"
    frame.to_csv(gbk, index=False, encoding="gbk")
    assert main(["train", str(gbk), "--analyzer", "char"]) == 1
    err = capsys.readouterr().err
    assert "reviews.csv is not utf-8 text" in err and "--encoding gbk" in err
    assert len(err.splitlines()) == 1
    model = tmp_path / "zh.sknlp"
    assert main(["train", str(gbk), "--analyzer", "char", "--encoding", "gbk",
                 "--output", str(model)]) == 0
    capsys.readouterr()

    class Stdin(io.TextIOWrapper):
        pass

    monkeypatch.setattr("sys.stdin", Stdin(io.BytesIO("质量太差了\n".encode("gbk"))))
    assert main(["predict", str(model)]) == 1
    assert "standard input is not utf-8 text" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", Stdin(io.BytesIO("质量太差了\n".encode("gbk"))))
    assert main(["predict", str(model), "--encoding", "gbk"]) == 0
    assert capsys.readouterr().out.split("\t")[-1].strip() == "质量太差了"


def test_the_demo_takes_a_title_a_placeholder_and_examples(small_csv, tmp_path, monkeypatch,
                                                          capsys):
    gr = pytest.importorskip("gradio")
    import sknlp.demo

    assert main(["train", str(small_csv), "--output", str(tmp_path / "m.sknlp")]) == 0
    built = {}

    def fake_launch(self, **kwargs):  # serving blocks; the browser test covers the page
        built["config"] = self.config

    monkeypatch.setattr(gr.Blocks, "launch", fake_launch)
    real = sknlp.demo.make_demo
    monkeypatch.setattr(sknlp.demo, "make_demo",
                        lambda *a, **k: built.setdefault("kwargs", k) and real(*a, **k))
    assert main(["demo", str(tmp_path / "m.sknlp"), "--title", "Question types",
                 "--placeholder", "Ask a question...", "--examples", str(small_csv)]) == 0
    kwargs = built["kwargs"]
    assert kwargs["title"] == "Question types"
    assert kwargs["placeholder"] == "Ask a question..."
    assert len(kwargs["examples"]) == 10
    assert "Ask a question..." in json.dumps(built["config"])
