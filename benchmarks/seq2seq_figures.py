"""The docs' translation examples: outputs and alignment pictures of the models that
``bench_seq2seq.py --save DIR`` trained on Tatoeba's English-Chinese pairs.

    python benchmarks/seq2seq_figures.py DIR docs/img

Prints each test sentence, the output of every saved model and the reference, and saves
the alignment pictures of the attention model (``alignment-<n>.png``).
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from _common import DATA_HOME  # noqa: E402

import sknlp  # noqa: E402
from sknlp.datasets import load_sentence_pairs  # noqa: E402
from sknlp.plotting import plot_alignment  # noqa: E402

# Test sentences of the loader's split (never seen in training), short and longer ones.
SHOWN = (0, 7, 42, 300, 1000, 1500, 2200, 2900)


def main(models_dir, out_dir):
    test = load_sentence_pairs(subset="test", data_home=DATA_HOME)
    models = {p.stem: sknlp.load(p) for p in sorted(Path(models_dir).glob("*.sknlp"))}
    for i in SHOWN:
        print(f"{test.data[i]!r}  (reference {test.target[i]!r})")
        for name, model in models.items():
            print(f"  {name:>14}: {model.predict([test.data[i]])[0]!r}")
    attention = models.get("rnn-attention")
    if attention is None:
        return
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for n, i in enumerate((SHOWN[3], SHOWN[5], SHOWN[7])):  # good and bad
        ax = plot_alignment(attention, test.data[i])
        path = Path(out_dir) / f"alignment-{n}.png"
        ax.figure.savefig(path, dpi=90)
        print(f"saved {path}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
