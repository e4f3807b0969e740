import io

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from sknlp.datasets import make_dates  # noqa: E402
from sknlp.embeddings import Word2Vec  # noqa: E402
from sknlp.neural import LSTMClassifier, Seq2Seq  # noqa: E402
from sknlp.plotting import (  # noqa: E402
    _plots,
    plot_alignment,
    plot_attention,
    plot_benchmark,
    plot_confusion_matrix,
    plot_embeddings,
    plot_history,
    plot_temperature,
)
from sknlp.preprocessing import Tokenizer  # noqa: E402


def render(ax, tmp_path, name):
    """Save the figure to PNG, read it back, and check that something was drawn."""
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    plt.close(ax.figure)
    img = matplotlib.image.imread(io.BytesIO(path.read_bytes()))[..., :3]
    non_white = (img < 0.95).any(axis=-1).mean()
    colours = len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert non_white > 0.01, f"{name}: the image is blank"
    assert colours > 8, f"{name}: only {colours} colours, nothing but axes was drawn"
    return img


@pytest.fixture(scope="module")
def attention_lstm(imdb_small):
    X, y = imdb_small[0][:200], imdb_small[1][:200]
    clf = LSTMClassifier(embedding_dim=16, hidden_size=16, max_epochs=3, batch_size=32,
                         pooling="attention", early_stopping=True, random_state=0,
                         tokenizer=Tokenizer(num_words=2000, maxlen=100)).fit(X, y)
    return clf, X, y


def test_history_shows_losses_and_validation_accuracy(attention_lstm, tmp_path):
    clf, _, _ = attention_lstm
    ax = plot_history(clf)
    [train] = [line for line in ax.get_lines() if line.get_label() == "train loss"]
    np.testing.assert_allclose(train.get_ydata(), clf.history_[:, "train_loss"])
    assert len(ax.right_ax.get_lines()[0].get_xdata()) == len(clf.history_)
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().y0 < ax.get_window_extent().y0  # below the curves
    render(ax, tmp_path, "history")
    with pytest.raises(ValueError, match="training history"):
        plot_history(object())


def test_language_model_history_shows_perplexity_and_batches(tmp_path):
    from gensim.test.utils import datapath

    from sknlp.neural import LanguageModel

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        news = [line for line in f if line.strip()]
    lm = LanguageModel(embedding_dim=16, hidden_size=16, max_epochs=2, validation_fraction=0.2,
                       random_state=0).fit(news)
    ax = plot_history(lm, batches=True)
    [ppl] = ax.right_ax.get_lines()
    assert ppl.get_label() == "held-out perplexity"
    np.testing.assert_allclose(ppl.get_ydata(), lm.history_[:, "valid_ppl"])
    [per_batch] = [line for line in ax.get_lines() if "per batch" in line.get_label()]
    losses = [b["train_loss"] for row in lm.history_ for b in row["batches"]
              if "train_loss" in b]  # the held-out batches record valid_loss instead
    x = per_batch.get_xdata()
    assert len(x) == len(losses) and x[-1] == pytest.approx(2.0) and np.all(np.diff(x) > 0)
    # smoothing keeps the curve within the range of the batch losses
    assert min(losses) <= per_batch.get_ydata().min() <= per_batch.get_ydata().max() <= max(
        losses)
    render(ax, tmp_path, "lm-history")


def test_attention_heatmap_labels_every_token(attention_lstm, tmp_path):
    clf, X, _ = attention_lstm
    ax = plot_attention(clf, X[0], max_tokens=40)
    tokens, _ = clf.attention_weights([X[0]])[0]
    shown = [t.get_text() for t in ax.texts]
    assert len(shown) == min(40, len(tokens)) and shown[0] == tokens[0][:12]
    assert f"predicted {clf.predict([X[0]])[0]} (" in ax.get_title()
    render(ax, tmp_path, "attention")
    with pytest.raises(TypeError, match="one document"):
        plot_attention(clf, X[:2])


def test_alignment_picture_labels_source_and_output(tmp_path):
    X, y = make_dates(2000, random_state=0)
    model = Seq2Seq(embedding_dim=16, hidden_size=32, max_epochs=3, lr=5e-3,
                    random_state=0).fit(X, y)
    text = "the 3rd of March 1999"
    ax = plot_alignment(model, text)
    [(src, out, w)] = model.attention_weights([text])
    assert [t.get_text() for t in ax.get_xticklabels()] == src
    assert [t.get_text() for t in ax.get_yticklabels()] == out and out[-1] == "</s>"
    np.testing.assert_allclose(ax.images[0].get_array(), w)
    assert ax.get_title() == f"{text}\n→ {model.predict([text])[0]}"
    render(ax, tmp_path, "alignment")
    with pytest.raises(TypeError, match="one source text"):
        plot_alignment(model, [text])
    fixed = Seq2Seq(architecture="rnn", embedding_dim=8, hidden_size=8, max_epochs=1)
    with pytest.raises(ValueError, match="attends to nothing"):
        plot_alignment(fixed.fit(X[:50], y[:50]), text)


def test_chinese_labels_get_a_chinese_font_or_a_clear_warning(monkeypatch):
    # The fonts a machine has vary; the list of known Chinese fonts is emptied to see the
    # warning a user without one gets.
    monkeypatch.setattr(_plots, "_CJK_FONTS", ())
    with pytest.warns(UserWarning, match="no font with Chinese characters"):
        assert _plots._font_family(["我", "</s>"]) is None
    assert _plots._font_family(["the", "</s>"]) is None  # no Chinese: the default font


def test_confusion_matrix_counts_the_test_documents(attention_lstm, imdb_small, tmp_path):
    clf = attention_lstm[0]
    X_te, y_te = imdb_small[2][:100], imdb_small[3][:100]
    ax = plot_confusion_matrix(clf, X_te, y_te)
    counts = [int(t.get_text()) for t in ax.texts]
    assert sum(counts) == 100
    render(ax, tmp_path, "confusion")


def test_embedding_map_draws_the_analogy(tmp_path):
    docs = ["the king rules the land", "the queen rules the land", "a man walks home",
            "a woman walks home", "the king is a man", "the queen is a woman"] * 80
    w2v = Word2Vec(vector_size=16, min_count=1, epochs=20, random_state=0).fit(docs)
    ax = plot_embeddings(w2v, analogy=("man", "king", "woman"))
    answer = w2v.wv_.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0]
    assert ax.analogy_answer == answer and answer in ax.get_title()
    assert sum(1 for t in ax.texts if t.arrow_patch is not None) >= 2  # the two arrows
    render(ax, tmp_path, "embeddings")
    with pytest.raises(KeyError, match="not in the vocabulary"):
        plot_embeddings(w2v, analogy=("man", "king", "empress"))


def test_temperature_picture_sharpens_and_flattens(tmp_path):
    ax = plot_temperature([3.0, 1.0, 0.0], temperatures=[0.5, 1.0, 10.0])
    heights = np.array([p.get_height() for p in ax.patches]).reshape(3, 3)  # (T, score)
    np.testing.assert_allclose(heights.sum(axis=1), 1.0)
    assert heights[0, 0] > heights[1, 0] > heights[2, 0] > 1 / 3  # low T: sharper
    render(ax, tmp_path, "temperature")
    with pytest.raises(ValueError, match="positive"):
        plot_temperature([1, 2], temperatures=[0])


def test_benchmark_bars_follow_the_results(tmp_path):
    results = [{"model": "ngram", "accuracy": 0.91, "fit_s": 15.0, "predict_docs_s": 4000.0},
               {"model": "lstm", "accuracy": 0.89, "fit_s": 1200.0, "predict_docs_s": 800.0}]
    ax = plot_benchmark(results, title="IMDB")
    widths = [p.get_width() for p in ax.patches]
    assert widths == [0.91, 0.89]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ngram", "lstm"]
    low = ax.get_xlim()[0]
    assert low == 0 or any(f"axis starts at {low:.2f}" in t.get_text() for t in ax.texts)
    render(ax, tmp_path, "benchmark")
    with pytest.raises(ValueError, match="no benchmark results"):
        plot_benchmark([])
