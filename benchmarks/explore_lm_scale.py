"""Exploration (not a benchmark): at what scale Word2Vec vectors should enter a Transformer
language model, measured by held-out perplexity of the masked objective.

    python benchmarks/explore_lm_scale.py --docs 3000 --epochs 2

A Transformer multiplies its token embeddings by sqrt(d_model) (Vaswani et al. 2017,
section 3.4), which gives its own random table, drawn with standard deviation
d_model ** -0.5, unit variance beside the unit-amplitude position encodings. Word2Vec
vectors have their own scale. Arms, one masked ``LanguageModel`` each on the same reviews
and seed: ``random`` (no vectors), ``own`` (the vectors as Word2Vec gives them, what
``LanguageModel(embeddings=...)`` does), ``sqrt`` (the vectors times sqrt(d_model), what it
did before), ``unit`` (the vectors rescaled to unit variance per component, the random
table's scale). Scored on test reviews, never used to fit.
"""

import argparse
import copy
import time

import numpy as np
import torch
from _common import DATA_HOME, header

from sknlp.datasets import load_imdb
from sknlp.embeddings import Word2Vec
from sknlp.neural import LanguageModel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    test = load_imdb(subset="test", data_home=DATA_HOME)
    rng = np.random.default_rng(0)
    X = [train.data[i] for i in rng.choice(len(train.data), args.docs, replace=False)]
    X_te = list(test.data[:1000])
    header(f"Word2Vec vectors in a masked Transformer language model: at what scale "
           f"(d_model {args.d_model}, {args.epochs} epochs)",
           f"IMDB: {args.docs:,} training reviews to fit (seed 0), 1,000 test reviews "
           "to score")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    t = time.perf_counter()
    w2v = Word2Vec(vector_size=args.d_model, sg=0, window=5, min_count=5, epochs=10,
                   workers=2, random_state=0).fit(X)
    rms = float(np.sqrt(np.mean(w2v.wv_.vectors ** 2)))
    print(f"Word2Vec in {time.perf_counter() - t:.0f} s; root mean square component {rms:.3f} "
          f"(the random table, once scaled: 1.0; the vectors times sqrt(d_model): "
          f"{rms * args.d_model ** 0.5:.2f})", flush=True)
    for arm, factor in [("random", None), ("own", 1.0), ("sqrt", args.d_model ** 0.5),
                        ("unit", 1.0 / rms)]:
        vectors = None
        if factor is not None:
            vectors = copy.deepcopy(w2v)
            vectors.wv_.vectors *= factor
        lm = LanguageModel(architecture="transformer", objective="masked",
                           d_model=args.d_model, max_epochs=args.epochs, embeddings=vectors,
                           random_state=0)
        t = time.perf_counter()
        lm.fit(X)
        print(f"{arm:>6}: held-out perplexity (masked tokens) {lm.perplexity(X_te):7.1f}, "
              f"training text {lm.perplexity(X[:1000]):7.1f}, "
              f"{time.perf_counter() - t:.0f} s", flush=True)


if __name__ == "__main__":
    main()
