"""Tokenizer fit+transform throughput against CountVectorizer.fit_transform on IMDB train.

Both are timed in the same process, alternately, and the median of several runs is kept;
the ratio is what the target (>= 2.0x) is about. Peak memory is traced separately.
"""

from _common import DATA_HOME, header, median_time, peak_memory
from sklearn.feature_extraction.text import CountVectorizer

from sknlp.datasets import load_imdb
from sknlp.preprocessing import Tokenizer


def main(repeats=7):
    header("Tokenizer throughput", "IMDB train (25,000 reviews), aclImdb_v1")
    X = load_imdb(subset="train", data_home=DATA_HOME).data
    X_test = load_imdb(subset="test", data_home=DATA_HOME).data
    n = len(X)

    def sknlp_fit_transform():
        return Tokenizer(num_words=20000).fit_transform(X)

    def cv_fit_transform():
        return CountVectorizer().fit_transform(X)

    sknlp_fit_transform(), cv_fit_transform()  # warm-up (imports, allocator)
    t_cv, t_tok = [], []
    for _ in range(repeats):  # alternate so both see the same machine load
        t_cv.append(median_time(cv_fit_transform, 1)[0])
        t_tok.append(median_time(sknlp_fit_transform, 1)[0])
    t_cv, t_tok = sorted(t_cv)[repeats // 2], sorted(t_tok)[repeats // 2]
    tok = Tokenizer(num_words=20000).fit(X)
    t_tr, _ = median_time(lambda: tok.transform(X_test), 3)
    mem_tok = peak_memory(sknlp_fit_transform)
    mem_cv = peak_memory(cv_fit_transform)
    print(f"CountVectorizer().fit_transform          : {n / t_cv:8,.0f} docs/s "
          f"(median {t_cv:.2f} s)")
    print(f"Tokenizer(num_words=20000).fit_transform : {n / t_tok:8,.0f} docs/s "
          f"(median {t_tok:.2f} s)")
    print(f"ratio Tokenizer / CountVectorizer     : {t_cv / t_tok:.2f}x   (target >= 2.0x)")
    print(f"Tokenizer.transform on IMDB test      : {len(X_test) / t_tr:10,.0f} docs/s")
    print(f"output shape {tok.transform(X[:1]).shape[1]} columns (maxlen='auto', 95th pct)")
    print(f"peak traced memory: Tokenizer {mem_tok:.0f} MiB, CountVectorizer {mem_cv:.0f} MiB")


if __name__ == "__main__":
    main()
