"""Exploration (not a benchmark): which fine-tuning options ULMFiT recommends (Howard &
Ruder 2018) help an LSTMClassifier start from a saved LSTM LanguageModel, on few labels.

    python benchmarks/explore_finetune.py LM.sknlp [N_LABELS]

Scores on 2,000 further training reviews (balanced, none of them labelled for the fit):
never on the test set. Variants: the plain fine-tune at two learning rates, discriminative
learning rates (each layer 2.6 times slower than the one above it), gradual unfreezing (the
head alone in epoch 1, the LSTM from epoch 2, the embeddings from epoch 3), and both; the
fine-tuned classifier's pooling (mean, attention, last states) against its default, max.

    python benchmarks/explore_finetune.py LM.sknlp 1000 "fine-tune mean pooling"
"""

import sys
import time

from _common import DATA_HOME, balanced_split
from skorch.callbacks import Callback

import sknlp
from sknlp.datasets import load_imdb
from sknlp.neural import LSTMClassifier


class GradualUnfreezing(Callback):
    """Trains only the parameters whose names start with the prefixes of the current
    epoch's stage; later stages add more."""

    def __init__(self, stages):
        self.stages = stages

    def on_epoch_begin(self, net, **kwargs):
        stage = self.stages[min(len(net.history), len(self.stages)) - 1]
        for name, p in net.module_.named_parameters():
            p.requires_grad_(stage is None or name.startswith(stage))


STAGES = [("head", "pool"), ("head", "pool", "lstm"), None]


class Discriminative(LSTMClassifier):
    def _build_net(self, *args, **kwargs):
        net = super()._build_net(*args, **kwargs)
        net.set_params(optimizer__param_groups=[
            ("embedding.*", {"lr": self.lr / 2.6**2}), ("lstm.*", {"lr": self.lr / 2.6})])
        return net


Discriminative.__name__ = "LSTMClassifier"  # what the language model checks it fine-tunes


def main(path, n):
    lm = sknlp.load(path)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    fit_idx, val_idx = balanced_split(train.target, n, 2000)
    X, y = [train.data[i] for i in fit_idx], train.target[fit_idx]
    Xv, yv = [train.data[i] for i in val_idx], train.target[val_idx]
    base = dict(embedding_dim=lm.embedding_dim, hidden_size=lm.hidden_size, max_epochs=30,
                early_stopping=True, patience=4, validation_fraction=0.1, random_state=0)
    variants = {
        "scratch lr 3e-3": LSTMClassifier(**base),
        "fine-tune lr 3e-3": LSTMClassifier(**base, pretrained=lm),
        "fine-tune lr 1e-3": LSTMClassifier(**base, pretrained=lm, lr=1e-3),
        # The pooling of the fine-tuned LSTM: a language model's states, maxed over a
        # review, sit near 1 in most dimensions (explore_distil_start.py)
        **{f"fine-tune {p} pooling": LSTMClassifier(**base, pretrained=lm, pooling=p)
           for p in ("mean", "attention", "last")},
        "discriminative": Discriminative(**base, pretrained=lm),
        "gradual unfreezing": LSTMClassifier(**base, pretrained=lm,
                                             callbacks=[GradualUnfreezing(STAGES)]),
        "both": Discriminative(**base, pretrained=lm,
                               callbacks=[GradualUnfreezing(STAGES)]),
    }
    names = sys.argv[3].split(",") if len(sys.argv) > 3 else list(variants)
    for name in names:
        clf = variants[name]
        t = time.perf_counter()
        clf.fit(X, y)
        print(f"{n} labels  {name:20s} validation accuracy {clf.score(Xv, yv):.2%} "
              f"({len(clf.history_)} epochs, {time.perf_counter() - t:.0f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
