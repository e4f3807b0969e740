"""The language-model docs' figures, from the runs of ``bench_language_model.py``.

    python benchmarks/lm_figures.py LM.sknlp FEW_LABELS.json[,MORE.json] docs/img

``lm-history.png``: the pretraining curve of the saved language model (the loss of every
batch, smoothed, and the held-out perplexity of each epoch); ``-`` in place of the model
leaves that figure as it is. ``lm-labels.png``: test accuracy against the number of
labelled reviews, fine-tuned from the language model, the same classifier from scratch, and
the best n-gram pipeline, from the ``--few-labels`` runs' JSON files (several runs of the
same language model, e.g. ``--few-labels 1000`` then ``--load ... --few-labels 200,5000``).
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import sknlp  # noqa: E402
from sknlp.plotting import plot_history  # noqa: E402


def main(model_path, results_paths, out_dir):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if model_path != "-":
        lm = sknlp.load(model_path)
        ax = plot_history(lm, batches=True)
        ax.set_title(f"Pretraining an LSTM language model on IMDB ({lm.vocab_size_:,} words)")
        ax.figure.savefig(out / "lm-history.png", dpi=110, bbox_inches="tight")
        plt.close(ax.figure)

    rows = {}
    for path in results_paths.split(","):
        results = json.loads(Path(path).read_text())
        rows.update({int(n): r for n, r in results["few_labels"].items()})
    sizes = sorted(rows)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for key, label, style in [("pretrained", "LSTM fine-tuned from the language model", "-o"),
                              ("scratch", "the same LSTM from scratch", "-s"),
                              ("ngram", "best n-gram pipeline (chosen by CV)", "-^")]:
        ax.plot(sizes, [100 * rows[n][key] for n in sizes], style, label=label)
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("labelled training reviews")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("IMDB: accuracy against the number of labels")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2))  # below
    fig.savefig(out / "lm-labels.png", dpi=110, bbox_inches="tight")
    for n in sizes:
        print(n, {k: f"{100 * v:.2f}" for k, v in rows[n].items()})


if __name__ == "__main__":
    main(*sys.argv[1:4])
