"""Training speed of the neural estimators: the fused optimizer, and bfloat16 against float32.

1. The optimizer step alone: AdamW over the weights of a trained estimator's module, as a
   loop over the tensors (torch's default on CPU), ``foreach``, and ``fused`` (what the
   estimators use); the three alternated twice, 30 timed steps each after 3 warm-up steps,
   median of the 60.
2. Whole ``fit`` calls through the estimators with ``precision="float32"`` and
   ``"bfloat16"`` on real data, same seed, alternated twice, fastest of two each; beside it
   the model's quality, to show that the faster one learns as well:
   - ``Seq2Seq(architecture="transformer")``: 6,000 Tatoeba training pairs, 3 epochs; BLEU
     on the first 1,000 test pairs;
   - ``LSTMClassifier`` and ``TransformerClassifier``: 4,000 IMDB training reviews, 2 epochs;
     accuracy on 4,000 test reviews;
   - ``LanguageModel()`` (the biLM): 3,000 IMDB training reviews, 1 epoch; perplexity of 500
     test reviews.

Usage: ``python bench_precision.py [--threads N]``. The speed of bfloat16 depends on the
CPU: it needs AMX or AVX-512 BF16 (the machine line names the CPU).
"""

import argparse
import statistics
import time

import torch
from _common import DATA_HOME, header

from sknlp.datasets import load_imdb, load_sentence_pairs
from sknlp.neural import LanguageModel, LSTMClassifier, Seq2Seq, TransformerClassifier


def optimizer_steps(module, kinds=("loop", "foreach", "fused"), steps=30):
    """Median seconds of one AdamW step over ``module``'s weights, for each kind."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.grad = torch.randn_like(p)
    times = {k: [] for k in kinds}
    for _ in range(2):
        for kind in kinds:
            flags = {"loop": {"foreach": False}, "foreach": {"foreach": True},
                     "fused": {"fused": True}}[kind]
            opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01, **flags)
            for _ in range(3):
                opt.step()
            for _ in range(steps):
                t = time.perf_counter()
                opt.step()
                times[kind].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def timed_fits(make, fit, quality):
    """Fastest of two alternated fits per precision, each precision's quality, the models."""
    out = {"float32": [], "bfloat16": []}
    models = {}
    for _ in range(2):
        for precision in out:
            model = make(precision)
            t = time.perf_counter()
            fit(model)
            out[precision].append(time.perf_counter() - t)
            models[precision] = model
    return {p: (min(ts), quality(models[p]), models[p]) for p, ts in out.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    header("Training speed: fused optimizer; bfloat16 against float32",
           "Tatoeba cmn.txt (load_sentence_pairs) and IMDB (aclImdb v1) slices")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    pairs = load_sentence_pairs(subset="train", data_home=DATA_HOME)
    test_pairs = load_sentence_pairs(subset="test", data_home=DATA_HOME)
    imdb = load_imdb(subset="train", data_home=DATA_HOME)
    imdb_test = load_imdb(subset="test", data_home=DATA_HOME)
    X, y = imdb.data[::6][:4000], imdb.target[::6][:4000]
    X_te, y_te = imdb_test.data[::6][:4000], imdb_test.target[::6][:4000]
    src, tgt = pairs.data[:6000], pairs.target[:6000]
    src_te, tgt_te = test_pairs.data[:1000], test_pairs.target[:1000]

    runs = {
        "Seq2Seq transformer, 6,000 pairs x 3 epochs (BLEU)": timed_fits(
            lambda p: Seq2Seq(architecture="transformer", max_epochs=3, random_state=0,
                              precision=p),
            lambda m: m.fit(src, tgt), lambda m: m.score(src_te, tgt_te)),
        "LSTMClassifier, 4,000 reviews x 2 epochs (accuracy %)": timed_fits(
            lambda p: LSTMClassifier(max_epochs=2, random_state=0, precision=p),
            lambda m: m.fit(X, y), lambda m: 100 * m.score(X_te, y_te)),
        "TransformerClassifier, 4,000 reviews x 2 epochs (accuracy %)": timed_fits(
            lambda p: TransformerClassifier(max_epochs=2, random_state=0, precision=p),
            lambda m: m.fit(X, y), lambda m: 100 * m.score(X_te, y_te)),
        "LanguageModel biLM, 3,000 reviews x 1 epoch (test perplexity)": timed_fits(
            lambda p: LanguageModel(max_epochs=1, random_state=0, precision=p),
            lambda m: m.fit(X[:3000]), lambda m: m.perplexity(X_te[:500])),
    }
    print("\n## fit: float32 against bfloat16 (fastest of 2, same run)")
    for name, r in runs.items():
        (t32, q32, _), (t16, q16, _) = r["float32"], r["bfloat16"]
        print(f"{name}: float32 {t32:.1f} s ({q32:.2f}), bfloat16 {t16:.1f} s ({q16:.2f}): "
              f"bfloat16 {t32 / t16:.2f}x faster")

    print("\n## AdamW step over the float32 models' weights (median of 60 steps)")
    for name, r in runs.items():
        module = r["float32"][2].net_.module_
        n = sum(p.numel() for p in module.parameters())
        times = optimizer_steps(module)
        print(f"{name.split(',')[0]}, {n / 1e6:.2f} M weights: loop {times['loop'] * 1e3:.2f} ms, "
              f"foreach {times['foreach'] * 1e3:.2f} ms, fused {times['fused'] * 1e3:.2f} ms: "
              f"fused {times['loop'] / times['fused']:.1f}x faster than the loop")


if __name__ == "__main__":
    main()
