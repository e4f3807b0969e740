"""Knowledge distillation on IMDB: an n-gram NB-LR teacher, a BiLSTM student under 1 M
parameters, distilled with the 50,000 unlabelled reviews as transfer set, against the same
student trained alone on the labelled data (targets: >= +1.0 point over the student alone,
within 1.0 point of the teacher).

Usage: python bench_distill.py [EPOCHS] [w2v]. With ``w2v`` both students start from the same
48-d Word2Vec embeddings, trained on the train and unlabelled reviews (no labels), and
fine-tuned with the rest of the student."""

import sys
import time

import numpy as np
from _common import DATA_HOME, header
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sknlp.datasets import load_imdb
from sknlp.embeddings import Word2Vec
from sknlp.neural import DistilledClassifier, LSTMClassifier
from sknlp.neural._distill import count_parameters
from sknlp.preprocessing import NGram, Tokenizer

EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
W2V = "w2v" in sys.argv[2:]


def student(vectors=None):
    return LSTMClassifier(embeddings=None if vectors is None else Word2Vec(pretrained=vectors),
                          tokenizer=Tokenizer(num_words=15000, maxlen=256, truncating="pre"),
                          embedding_dim=48, hidden_size=64, bidirectional=True, pooling="max",
                          dropout=0.3, max_epochs=EPOCHS, batch_size=64, lr=3e-3, random_state=0,
                          verbose=1)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    header("Distillation on IMDB", "IMDB train 25,000 (+ unsup 50,000 as transfer set) / "
           f"test 25,000; students trained {EPOCHS} epochs"
           + (", embeddings from Word2Vec on train+unsup" if W2V else ""))
    X_tr, y_tr = load_imdb(subset="train", data_home=DATA_HOME, return_X_y=True)
    X_un = load_imdb(subset="unsup", data_home=DATA_HOME).data
    X_te, y_te = load_imdb(subset="test", data_home=DATA_HOME, return_X_y=True)

    vectors = None
    if W2V:
        w2v, t = timed(lambda: Word2Vec(vector_size=48, min_count=3, epochs=5, workers=2,
                                        random_state=0).fit(list(X_tr) + list(X_un)))
        vectors = w2v.wv_
        print(f"Word2Vec(vector_size=48) on train+unsup: {t:.0f} s", flush=True)

    teacher, t = timed(lambda: make_pipeline(
        NGram(ngram_range=(1, 3), weighting="nb", min_df=2),
        LogisticRegression(C=0.1, max_iter=1000)).fit(X_tr, y_tr))
    acc_t, t_pred_t = timed(lambda: teacher.score(X_te, y_te))
    print(f"teacher NGram(1-3, nb) + LR: acc {acc_t:.4f}, {count_parameters(teacher):,} "
          f"parameters, fit {t:.0f} s, {len(X_te) / t_pred_t:,.0f} docs/s", flush=True)

    alone, t = timed(lambda: student(vectors).fit(X_tr, y_tr))
    acc_a, t_pred_a = timed(lambda: alone.score(X_te, y_te))
    print(f"student alone: acc {acc_a:.4f}, {alone.n_parameters_:,} parameters, fit {t:.0f} s, "
          f"{len(X_te) / t_pred_a:,.0f} docs/s", flush=True)

    X_all = list(X_tr) + list(X_un)
    y_all = np.concatenate([y_tr, np.full(len(X_un), -1)])
    dist, t = timed(lambda: DistilledClassifier(
        teacher=FrozenEstimator(teacher), student=student(vectors), temperature=2.0,
        alpha=0.5).fit(X_all, y_all))
    acc_d, t_pred_d = timed(lambda: dist.score(X_te, y_te))
    print(f"distilled student: acc {acc_d:.4f}, fit {t:.0f} s, {len(X_te) / t_pred_d:,.0f} "
          f"docs/s, agreement with the teacher {dist.agreement_:.4f}, compression "
          f"{dist.compression_ratio_:.1f}x")
    print(f"gain over the student alone: {100 * (acc_d - acc_a):+.2f} points (target >= +1.0)")
    print(f"gap to the teacher: {100 * (acc_t - acc_d):.2f} points (target <= 1.0)")


if __name__ == "__main__":
    main()
