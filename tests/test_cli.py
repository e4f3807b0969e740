from sknlp.__main__ import main


def test_default_job_trains_and_evaluates_on_chinese_reviews(capsys, zh_reviews):
    assert main(["--model", "bow"]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("test accuracy: ")[1].split()[0])
    assert 0.75 < acc < 0.95  # 95 % would mean duplicates leaked into the test set
    assert "P(positive)" in out


def test_missing_imdb_is_a_readable_error(capsys, tmp_path):
    assert main(["--dataset", "imdb", "--data-home", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "aclImdb_v1.tar.gz" in err and str(tmp_path) in err
