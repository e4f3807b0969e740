"""The web demo, driven end to end in a real headless Chromium.

The browser test needs Debian's ``chromium`` (``.ci/run`` installs it) and the Python
``playwright`` package, which drives that browser; Playwright's own browser download is not
used. Without Chromium the browser test is skipped, and says so.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

import sknlp

gr = pytest.importorskip("gradio")

from sknlp.demo import explain, make_demo  # noqa: E402
from sknlp.neural import LSTMClassifier  # noqa: E402
from sknlp.preprocessing import Tokenizer  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a closed network: no background connections, no GPU, no sandbox (root in CI).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def model(imdb_small):
    X, y = imdb_small[0], np.array(["neg", "pos"])[imdb_small[1]]
    return LSTMClassifier(embedding_dim=24, hidden_size=24, max_epochs=4, batch_size=32,
                          pooling="attention", lr=1e-2, random_state=0,
                          tokenizer=Tokenizer(num_words=3000, maxlen=120)).fit(X, y)


def test_explain_gives_label_probabilities_and_token_weights(model):
    text = "A wonderful film with a great cast, I loved it."
    label, proba, tokens = explain(model, text)
    p = model.predict_proba([text])[0]
    assert label == f"{model.classes_[p.argmax()]} ({p.max():.2f})"
    assert set(proba) == {"neg", "pos"} and np.isclose(sum(proba.values()), 1.0)
    assert [t for t, _ in tokens] == model.attention_weights([text])[0][0]
    assert max(w for _, w in tokens) == 1.0
    with pytest.raises(TypeError, match="str"):
        explain(model, ["two", "texts"])


def test_demo_of_a_model_without_attention_or_probabilities(imdb_small):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from sknlp.preprocessing import BagOfWords

    X, y = imdb_small[0][:200], imdb_small[1][:200]
    pipe = make_pipeline(BagOfWords(), LogisticRegression()).fit(X, y)
    assert explain(pipe, "great film")[2] is None
    assert isinstance(make_demo(pipe), gr.Blocks)
    with pytest.raises(TypeError, match="predict_proba"):
        make_demo(make_pipeline(BagOfWords(), LinearSVC()).fit(X, y))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the demo exited with {proc.returncode}: "
                                 f"{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the demo did not answer on {url} within {timeout} s")


def _in_the_browser(model, tmp_path, text, read):
    """Serve ``model`` with `sknlp demo`, type ``text`` in a headless Chromium, press the
    button, wait for the prediction, and return ``read(page)``; a screenshot of the page is
    kept in ``tmp_path``."""
    sync_api = pytest.importorskip("playwright.sync_api")
    model_file = tmp_path / "model.sknlp"
    sknlp.save(model, model_file)
    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "sknlp", "demo", str(model_file), "--port",
                             str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, proc)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1200})
            page.goto(url, wait_until="networkidle")
            page.locator("#text-input textarea").fill(text)
            page.locator("#classify").click()
            page.wait_for_function(
                "() => document.querySelector('#prediction textarea').value.length > 0",
                timeout=60_000)
            result = read(page)
            page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert (tmp_path / "demo.png").stat().st_size > 10_000
    return result


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
def test_sknlp_demo_command_in_a_real_browser(model, tmp_path):
    """`sknlp demo MODEL` serves the app; a headless Chromium types a review into it and
    reads the prediction, the probabilities and the attention-coloured tokens off the page."""
    review = ("One of the best films I have seen this year: a moving story, superb acting "
              "and a wonderful score.")
    expected_label, _, expected_tokens = explain(model, review)
    shown, probabilities, attention_text = _in_the_browser(model, tmp_path, review, lambda page: (
        page.locator("#prediction textarea").input_value(),
        page.locator("#probabilities").inner_text(),
        page.locator("#attention").inner_text()))
    assert shown == expected_label  # the page shows what the model says
    assert "neg" in probabilities and "pos" in probabilities
    assert all(tok in attention_text for tok, _ in expected_tokens[:5])


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)")
def test_seq2seq_demo_in_a_real_browser_shows_output_and_alignment(tmp_path):
    """The demo of a model that writes text: the page shows what the model writes for the
    typed source and draws its alignment picture."""
    from sknlp.datasets import make_dates
    from sknlp.neural import Seq2Seq

    X, y = make_dates(2000, random_state=0)
    model = Seq2Seq(embedding_dim=16, hidden_size=32, max_epochs=3, lr=5e-3,
                    random_state=0).fit(X, y)
    source = "the 3rd of March 1999"

    def read(page):
        page.locator("#alignment img, #alignment svg, #alignment canvas").first.wait_for(
            timeout=60_000)  # the picture is drawn
        return page.locator("#prediction textarea").input_value()

    assert _in_the_browser(model, tmp_path, source, read) == model.predict([source])[0]
