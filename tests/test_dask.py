"""A hyperparameter search over an sknlp pipeline on a dask.distributed cluster.

A LocalCluster of two worker processes stands in for a real cluster: the estimators are
pickled to other processes, fitted there, and the results must equal the local search.
"""

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from joblib import parallel_backend  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sknlp.neural import LSTMClassifier  # noqa: E402
from sknlp.preprocessing import NGram, Tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, host="127.0.0.1")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _search(pipe, grid, X, y, **kw):
    return GridSearchCV(pipe, grid, cv=3, **kw).fit(X, y)


@pytest.mark.parametrize("kind", ["ngram", "lstm"])
def test_grid_search_on_a_dask_cluster_equals_the_local_one(kind, client, imdb_small):
    X, y = imdb_small[0][:240], imdb_small[1][:240]
    if kind == "ngram":
        pipe = make_pipeline(NGram(ngram_range=(1, 2)), LogisticRegression(max_iter=500))
        grid = {"ngram__min_df": [1, 2], "logisticregression__C": [0.1, 1.0]}
    else:
        pipe = make_pipeline(Tokenizer(maxlen=80),
                             LSTMClassifier(embedding_dim=16, max_epochs=1, batch_size=32,
                                            random_state=0))
        grid = {"tokenizer__num_words": [500, 2000], "lstmclassifier__hidden_size": [8, 16]}
    local = _search(pipe, grid, X, y)
    with parallel_backend("dask"):
        remote = _search(pipe, grid, X, y, n_jobs=-1)
    workers = {w for w in client.scheduler_info()["workers"]}
    assert len(workers) == 2
    np.testing.assert_array_equal(remote.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(imdb_small[2][:50]),
                                  local.predict(imdb_small[2][:50]))
