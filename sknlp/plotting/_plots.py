"""Plots that show what a table of numbers hides: training curves, attention over the
tokens of a document, a translation's alignment, a confusion matrix, a map of word vectors
with an analogy, and the effect of the softmax temperature.

Every function draws on ``ax`` (a new figure when it is None) and returns the Axes, so the
caller can add to it or save it with ``ax.figure.savefig(...)``.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._optional import import_optional
from ..utils._text import is_cjk


def _plt():
    return import_optional("matplotlib.pyplot", extra="plot", purpose="plotting")


def _axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = _plt().subplots(figsize=figsize, layout="constrained")
    return ax


def _smooth(values, window):
    """Moving average over ``window`` values (shorter at the start)."""
    values = np.asarray(values, dtype=float)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    lo = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (sums[1:] - sums[lo]) / (np.arange(1, len(values) + 1) - lo)


def plot_history(estimator, *, batches=False, ax=None):
    """Training curves of a neural model: losses on the left axis; on the right one, the
    validation accuracy of a classifier or the held-out perplexity of a language model.

    Parameters
    ----------
    estimator : fitted LSTMClassifier, TransformerClassifier, DistilledClassifier,
        LanguageModel, Seq2Seq, or a skorch ``History``
        Anything with a ``history_`` (a distilled classifier shows its student's).
    batches : bool, default=False
        Also draw the training loss of every batch, smoothed over about a fiftieth of an
        epoch, at its place within the epoch: the shape of a long epoch (a language model
        trained for one or two) that the per-epoch points hide.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
        The loss axes; the right axes is ``ax.right_ax`` when the history has one.
    """
    history = estimator
    if hasattr(estimator, "student_"):
        history = estimator.student_.history_
    elif hasattr(estimator, "net_") or hasattr(estimator, "history_"):
        history = estimator.history_
    if not hasattr(history, "__getitem__") or len(history) == 0:
        raise ValueError("plot_history needs a fitted neural model with a training "
                         f"history; got {type(estimator).__name__}")
    ax = _axes(ax, (6, 3.5))
    epochs = history[:, "epoch"]
    if batches:
        xs, losses = [], []
        for row in history:
            steps = [b["train_loss"] for b in row.get("batches", []) if "train_loss" in b]
            xs += [row["epoch"] - 1 + (i + 1) / len(steps) for i in range(len(steps))]
            losses += steps
        if losses:
            window = max(1, len(losses) // (50 * len(history)))
            ax.plot(xs, _smooth(losses, window), "-", color="C0", alpha=0.45, linewidth=1,
                    label="train loss per batch (smoothed)")
    for key, label, style in [("train_loss", "train loss", "-o"),
                              ("valid_loss", "validation loss", "-s")]:
        values = [row.get(key) for row in history]
        if any(v is not None for v in values):
            ax.plot(epochs, [np.nan if v is None else v for v in values], style, label=label)
    restored = [row["epoch"] for row in history if row.get("restored")]
    if restored:  # early stopping put back this epoch's weights
        ax.axvline(restored[0], color="0.5", linestyle=":",
                   label=f"restored (epoch {restored[0]})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_xticks(epochs)
    lines, labels = ax.get_legend_handles_labels()
    for key, label in [("valid_acc", "validation accuracy"),
                       ("valid_ppl", "held-out perplexity")]:
        values = [row.get(key) for row in history]
        if any(v is not None for v in values):
            right = ax.twinx()
            right.plot(epochs, [np.nan if v is None else v for v in values], "-^",
                       color="C2", label=label)
            right.set_ylabel(label.split()[-1])
            ax.right_ax = right
            more_lines, more_labels = right.get_legend_handles_labels()
            lines, labels = lines + more_lines, labels + more_labels
            break
    # Outside the plotting area, under it: a legend inside may hide a curve.
    ax.legend(lines, labels, loc="upper center", bbox_to_anchor=(0.5, -0.18),
              ncol=min(len(lines), 3), fontsize="small", frameon=False)
    ax.set_title("Training history")
    return ax


def plot_attention(estimator, text, *, max_tokens=120, tokens_per_row=12, ax=None):
    """Colour each token of a document by the attention the model gave it.

    Parameters
    ----------
    estimator : fitted LSTMClassifier or TransformerClassifier
        With ``pooling="attention"`` for the LSTM; the Transformer shows the attention of its
        [CLS] token (``pooling="cls"``) or the mean over positions.
    text : str
        One document.
    max_tokens : int, default=120
        Show at most this many tokens (the first ones).
    tokens_per_row : int, default=12
        Tokens per line of the heatmap.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    if not isinstance(text, str):
        raise TypeError(f"plot_attention takes one document as a str, got {type(text).__name__}")
    check_is_fitted(estimator)
    [(tokens, weights)] = estimator.attention_weights([text])
    if not tokens:
        raise ValueError("the document has no token in the model's vocabulary; "
                         "there is no attention to show")
    tokens, weights = tokens[:max_tokens], np.asarray(weights[:max_tokens])
    n_rows = -(-len(tokens) // tokens_per_row)
    grid = np.full((n_rows, tokens_per_row), np.nan)
    grid.flat[: len(weights)] = weights
    ax = _axes(ax, (min(1.0 * tokens_per_row, 14), 0.45 * n_rows + 1))
    # The colour scale spans this document's weights: with hundreds of tokens every weight
    # is small, and a scale from 0 would paint them all alike.
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="Reds", aspect="auto",
                      vmin=float(weights.min()), vmax=float(weights.max()))
    dark = weights.min() + 0.6 * (weights.max() - weights.min())
    for i, token in enumerate(tokens):
        r, c = divmod(i, tokens_per_row)
        ax.text(c, r, token if len(token) <= 12 else token[:11] + "…", ha="center",
                va="center", fontsize=8, color="white" if weights[i] > dark else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(image, ax=ax, label="attention weight", fraction=0.03)
    proba = estimator.predict_proba([text])[0]
    best = int(np.argmax(proba))
    ax.set_title(f"Attention over the tokens: predicted {estimator.classes_[best]} "
                 f"({proba[best]:.2f})")
    return ax


# Fonts with Chinese glyphs, most common first; matplotlib's default font has none.
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
              "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
              "Arial Unicode MS")


def _is_cjk(text):
    return any(is_cjk(ch) or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
               for ch in text)  # ideographs, CJK punctuation, full-width forms


def _font_family(labels):
    """A font family list that draws ``labels``: a CJK font first where a label needs one
    (with a warning when the machine has none), else matplotlib's default."""
    if not any(_is_cjk(label) for label in labels):
        return None
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in _CJK_FONTS:
        if name in known:
            return [name, "DejaVu Sans"]
    warnings.warn("no font with Chinese characters is installed for matplotlib, so they "
                  "show as boxes: install one (for example Noto Sans CJK or WenQuanYi Micro "
                  "Hei) and clear matplotlib's font cache", UserWarning, stacklevel=3)
    return None


def plot_alignment(estimator, text, *, ax=None):
    """The alignment picture of an encoder-decoder: how much each written token attended
    to each source token (Bahdanau et al. 2015, figure 3).

    Parameters
    ----------
    estimator : fitted Seq2Seq
        With ``architecture="rnn-attention"`` or ``"transformer"``.
    text : str
        One source text.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
        Rows are the tokens written (``</s>`` where the model ended), columns the source's.
    """
    if not isinstance(text, str):
        raise TypeError(f"plot_alignment takes one source text as a str, got "
                        f"{type(text).__name__}")
    check_is_fitted(estimator)
    [(source, output, weights)] = estimator.attention_weights([text])
    if not source:
        raise ValueError("the source has no token the model reads; there is no alignment "
                         "to show")
    weights = np.asarray(weights)
    ax = _axes(ax, (max(3.0, 0.45 * len(source) + 1.5), max(2.5, 0.35 * len(output) + 1)))
    image = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
    family = _font_family(source + output)
    font = {"fontfamily": family} if family else {}
    ax.set_xticks(range(len(source)), source, rotation=60, ha="right", **font)
    ax.set_yticks(range(len(output)), output, **font)
    ax.set_xlabel("source")
    ax.set_ylabel("written")
    ax.figure.colorbar(image, ax=ax, label="attention weight", fraction=0.04)
    written = [t for t in output if t != "</s>"]
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    ax.set_title(f"{shown}\n→ {getattr(estimator, 'joiner_', ' ').join(written)}",
                 fontsize="medium", **font)
    return ax


def plot_confusion_matrix(estimator, X, y, *, normalize=None, ax=None):
    """Confusion matrix of a fitted classifier on documents ``X`` with true labels ``y``.

    Parameters
    ----------
    estimator : fitted classifier or pipeline
    X : iterable of str
    y : array-like of shape (n_docs,)
    normalize : {"true", "pred", "all"}, default=None
        As in :func:`sklearn.metrics.confusion_matrix`.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    ax = _axes(ax, (4, 3.5))
    ConfusionMatrixDisplay.from_estimator(estimator, X, y, normalize=normalize, ax=ax,
                                          colorbar=False, cmap="Blues")
    ax.set_title("Confusion matrix")
    return ax


def _project(vectors, method, random_state):
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=random_state).fit_transform(vectors)
    from sklearn.manifold import TSNE

    return TSNE(n_components=2, perplexity=min(30, len(vectors) - 1),
                random_state=random_state).fit_transform(vectors)


def plot_embeddings(word2vec, words=None, *, analogy=None, method="pca", n_words=40,
                    random_state=0, ax=None):
    """A 2-D map of word vectors, with an analogy ``a : b :: c : ?`` drawn as arrows.

    The analogy is answered as in Mikolov et al. (2013): the word nearest to
    ``b - a + c``. The arrows ``a -> b`` and ``c -> answer`` are drawn; when the vectors
    hold the relation they are nearly parallel.

    Parameters
    ----------
    word2vec : fitted sknlp Word2Vec, or gensim KeyedVectors
    words : list of str, default=None
        Words to place; the ``n_words`` most frequent ones when None.
    analogy : tuple of 3 str, default=None
        ``("man", "king", "woman")`` draws man -> king and woman -> the answer.
    method : {"pca", "tsne"}, default="pca"
        Projection to two dimensions.
    n_words : int, default=40
    random_state : int, default=0
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
        ``ax.analogy_answer`` holds the answer when an analogy was drawn.
    """
    wv = getattr(word2vec, "wv_", word2vec)
    if not hasattr(wv, "key_to_index"):
        check_is_fitted(word2vec)
        raise TypeError(f"expected a fitted Word2Vec or KeyedVectors, got {type(wv).__name__}")
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    words = list(wv.index_to_key[:n_words]) if words is None else list(words)
    answer = None
    if analogy is not None:
        if len(analogy) != 3:
            raise ValueError(f"analogy takes 3 words (a, b, c for a : b :: c : ?), got "
                             f"{analogy!r}")
        a, b, c = analogy
        missing = [w for w in analogy if w not in wv.key_to_index]
        if missing:
            raise KeyError(f"words of the analogy are not in the vocabulary: {missing}")
        answer = wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
        words += [w for w in (a, b, c, answer) if w not in words]
    unknown = [w for w in words if w not in wv.key_to_index]
    if unknown:
        raise KeyError(f"words not in the vocabulary: {unknown[:10]}")
    if len(words) < 3:
        raise ValueError(f"need at least 3 words to draw a map, got {len(words)}")
    xy = _project(np.asarray([wv[w] for w in words]), method, random_state)
    pos = dict(zip(words, xy))
    ax = _axes(ax, (6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], s=12, color="0.5")
    for w, (x, y) in pos.items():
        ax.annotate(w, (x, y), fontsize=8, xytext=(2, 2), textcoords="offset points")
    if answer is not None:
        for start, end, color in [(a, b, "C0"), (c, answer, "C3")]:
            ax.annotate("", xy=pos[end], xytext=pos[start],
                        arrowprops={"arrowstyle": "->", "color": color, "lw": 1.8})
        ax.set_title(f"{a} : {b} :: {c} : {answer}")
        ax.analogy_answer = answer
    else:
        ax.set_title("Word vectors")
    ax.set_xlabel(f"{method.upper()} 1")
    ax.set_ylabel(f"{method.upper()} 2")
    return ax


def plot_temperature(scores=(2.0, 1.0, 0.5, 0.2), temperatures=(0.5, 1.0, 2.0, 8.0), *,
                     labels=None, ax=None):
    """The same scores through ``softmax(scores / T)`` at several temperatures.

    A small ``T`` sharpens the distribution towards the largest score, a large one
    flattens it towards uniform. Scaled dot-product attention (Vaswani et al., 2017) divides
    ``QK^T`` by ``sqrt(d_k)``: that divisor is such a temperature
    (``attention_temperature`` of :class:`sknlp.neural.TransformerClassifier`), and
    distillation (Hinton et al., 2015) raises it to expose the teacher's dark knowledge.

    Parameters
    ----------
    scores : array-like of shape (n,), default=(2.0, 1.0, 0.5, 0.2)
    temperatures : array-like of positive floats, default=(0.5, 1.0, 2.0, 8.0)
    labels : list of str, default=None
        Names of the scores.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    scores = np.asarray(scores, dtype=np.float64)
    temperatures = np.asarray(temperatures, dtype=np.float64)
    if scores.ndim != 1 or len(scores) < 2:
        raise ValueError(f"scores must be a 1-D array of at least 2 values, got shape "
                         f"{scores.shape}")
    if temperatures.ndim != 1 or not (temperatures > 0).all():
        raise ValueError(f"temperatures must be positive, got {temperatures.tolist()}")
    labels = [f"s{i}={s:g}" for i, s in enumerate(scores)] if labels is None else labels
    ax = _axes(ax, (6, 3.5))
    width = 0.8 / len(temperatures)
    x = np.arange(len(scores))
    for k, t in enumerate(temperatures):
        z = scores / t
        p = np.exp(z - z.max())
        ax.bar(x + (k - (len(temperatures) - 1) / 2) * width, p / p.sum(), width,
               label=f"T = {t:g}")
    ax.set_xticks(x, labels)
    ax.set_ylabel("softmax(scores / T)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize="small")
    ax.set_title("The same scores at different temperatures")
    return ax


def plot_benchmark(results, *, title=None, ax=None):
    """Accuracy of several models side by side, each bar labelled with its fit time and
    prediction speed.

    Parameters
    ----------
    results : list of dict
        As :func:`sknlp.zoo.run_benchmark` returns: ``model``, ``accuracy``, ``fit_s``,
        ``predict_docs_s``.
    title : str, default=None
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    if not results:
        raise ValueError("no benchmark results to plot")
    names = [r["model"] for r in results]
    acc = np.array([r["accuracy"] for r in results])
    ax = _axes(ax, (6, 0.6 * len(results) + 1.2))
    y = np.arange(len(results))
    ax.barh(y, acc, color=[f"C{i % 10}" for i in range(len(results))])
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    low = max(0.0, float(acc.min()) - 0.1)
    ax.set_xlim(low, 1.0)
    if low > 0:  # the bars do not start at zero: say so on the axis itself
        ax.annotate(f"axis starts at {low:.2f}", xy=(0, 0), xycoords="axes fraction",
                    xytext=(2, -28), textcoords="offset points", fontsize=7, color="0.4")
    for i, r in enumerate(results):
        ax.text(r["accuracy"] + 0.004, i, f"{r['accuracy']:.4f} | fit {r['fit_s']:.1f} s | "
                f"{r['predict_docs_s']:,.0f} docs/s", va="center", fontsize=8)
    ax.set_xlabel("test accuracy")
    ax.set_title(title or "Benchmark")
    return ax
