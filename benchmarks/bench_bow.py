"""Bag-of-words and n-gram linear pipelines on IMDB (targets: tf-idf >= 88.5 %, best n-gram
pipeline >= 91.5 % in under 3 minutes)."""

import time

from _common import DATA_HOME, header
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sknlp.datasets import load_imdb
from sknlp.preprocessing import BagOfWords, NGram


def run(name, pipe, data):
    X_train, y_train, X_test, y_test = data
    t = time.perf_counter()
    pipe.fit(X_train, y_train)
    t_fit = time.perf_counter() - t
    t = time.perf_counter()
    acc = pipe.score(X_test, y_test)
    t_pred = time.perf_counter() - t
    n_feat = len(pipe[0].get_feature_names_out())
    print(f"{name:70s} acc {acc:.4f}  fit {t_fit:6.1f} s  predict {t_pred:5.1f} s  "
          f"total {t_fit + t_pred:6.1f} s  features {n_feat:,}", flush=True)
    return acc


def main():
    header("Linear bag-of-words / n-gram pipelines", "IMDB, train 25,000 / test 25,000")
    X_train, y_train = load_imdb(subset="train", data_home=DATA_HOME, return_X_y=True)
    X_test, y_test = load_imdb(subset="test", data_home=DATA_HOME, return_X_y=True)
    data = (X_train, y_train, X_test, y_test)
    run("make_pipeline(BagOfWords(weighting='tfidf'), LogisticRegression())",
        make_pipeline(BagOfWords(weighting="tfidf"), LogisticRegression()), data)
    run("BagOfWords(weighting='tfidf', sublinear_tf=True) + LogisticRegression(C=4)",
        make_pipeline(BagOfWords(weighting="tfidf", sublinear_tf=True),
                      LogisticRegression(C=4)), data)
    run("BagOfWords(weighting='nb') + LogisticRegression(C=0.1)",
        make_pipeline(BagOfWords(weighting="nb"), LogisticRegression(C=0.1)), data)
    run("NGram((1,2), 'nb', min_df=2) + LogisticRegression(C=0.1)",
        make_pipeline(NGram(ngram_range=(1, 2), weighting="nb", min_df=2),
                      LogisticRegression(C=0.1, max_iter=1000)), data)

    # The best n-gram pipeline: C chosen by 3-fold cross-validation on the training set
    # only (the test set is used once, at the end).
    pipe = make_pipeline(NGram(ngram_range=(1, 3), weighting="nb", min_df=2),
                         LogisticRegression(max_iter=1000))
    t = time.perf_counter()
    search = GridSearchCV(pipe, {"logisticregression__C": [0.03, 0.1, 0.3, 1.0]}, cv=3)
    search.fit(X_train, y_train)
    print(f"3-fold CV on train over C: {search.cv_results_['mean_test_score'].round(4).tolist()}"
          f" -> C={search.best_params_['logisticregression__C']} "
          f"({time.perf_counter() - t:.0f} s for the search)")
    best_c = search.best_params_["logisticregression__C"]
    run(f"NGram((1,3), 'nb', min_df=2) + LogisticRegression(C={best_c})  [best]",
        make_pipeline(NGram(ngram_range=(1, 3), weighting="nb", min_df=2),
                      LogisticRegression(C=best_c, max_iter=1000)), data)
    run("NGram((1,3), 'tfidf', sublinear, min_df=2) + LogisticRegression(C=30)",
        make_pipeline(NGram(ngram_range=(1, 3), weighting="tfidf", sublinear_tf=True,
                            min_df=2), LogisticRegression(C=30, max_iter=1000)), data)

if __name__ == "__main__":
    main()
