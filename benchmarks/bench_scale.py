"""Peak memory of transform / predict on one million short documents (sentences of the IMDB
reviews). Each measurement runs in a fresh process; a thread samples the process's resident
memory every 5 ms, and the figure is the peak above the memory held before the call (the
documents and the fitted model). Transforms encode 100,000 documents at a time and
LSTMClassifier.predict_proba 16,384; the same calls with chunking switched off ("whole") are
the baseline. The output itself (1 M rows) is part of every peak."""

import json
import os
import re
import subprocess
import sys
import threading
import time

from _common import DATA_HOME, header

N_DOCS = 1_000_000


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def sentences():
    from sknlp.datasets import load_imdb

    reviews = load_imdb(subset=["train", "test", "unsup"], data_home=DATA_HOME).data
    out = []
    for review in reviews:
        for s in re.split(r"(?<=[.!?])\s+|<br\s*/?>", review):
            if 2 <= len(s.split()) <= 40 and "\n" not in s:
                out.append(s)
                if len(out) == N_DOCS:
                    return out
    raise RuntimeError(f"only {len(out)} sentences")


def measure(kind, model_path, docs_path):
    import joblib

    import sknlp.neural._base as base
    import sknlp.utils._validation as validation

    with open(docs_path, encoding="utf-8") as f:
        docs = f.read().split("\n")
    model = joblib.load(model_path)
    if kind.endswith("-whole"):  # the baseline: one chunk
        base.PREDICT_CHUNK = validation.TRANSFORM_CHUNK = 10**9
    step = kind.split("-")[0]
    call = {"tokenizer": lambda: model.tokenizer_.transform(docs),
            "bow": lambda: model["bagofwords"].transform(docs)}.get(
        step, lambda: model.predict_proba(docs))
    peak, before, done = [0.0], rss_mib(), threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib())
            time.sleep(0.005)

    t = threading.Thread(target=sample)
    t.start()
    start = time.perf_counter()
    out = call()
    took = time.perf_counter() - start
    done.set()
    t.join()
    size = (out.data.nbytes + out.indices.nbytes + out.indptr.nbytes
            if hasattr(out, "indptr") else out.nbytes)
    print(json.dumps({"output_mib": size / 2**20, "kind": kind, "extra_mib": peak[0] - before,
                      "before_mib": before,
                      "docs_s": len(docs) / took, "output_shape": list(out.shape)}))


def main():
    import tempfile

    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sknlp.datasets import load_imdb
    from sknlp.neural import LSTMClassifier
    from sknlp.preprocessing import BagOfWords, Tokenizer

    header("One million short documents: peak memory of transform and predict",
           f"{N_DOCS:,} IMDB sentences of 2-40 words (train+test+unsup)")
    X, y = load_imdb(subset="train", data_home=DATA_HOME, return_X_y=True)
    pick = np.random.default_rng(0).choice(len(X), 5000, replace=False)  # both labels
    X, y = [X[i] for i in pick], y[pick]
    tmp = tempfile.mkdtemp()
    docs_path = os.path.join(tmp, "docs.txt")
    with open(docs_path, "w", encoding="utf-8") as f:
        f.write("\n".join(sentences()))
    lstm = LSTMClassifier(tokenizer=Tokenizer(num_words=20000, maxlen=64), embedding_dim=32,
                          hidden_size=32, max_epochs=1, random_state=0).fit(X, y)
    joblib.dump(lstm, os.path.join(tmp, "lstm.joblib"))
    bow = make_pipeline(BagOfWords(), LogisticRegression(max_iter=200)).fit(X, y)
    joblib.dump(bow, os.path.join(tmp, "bow.joblib"))
    for kind, path in [("tokenizer-chunked", "lstm"), ("tokenizer-whole", "lstm"),
                       ("bow-chunked", "bow"), ("bow-whole", "bow"),
                       ("lstm-chunked", "lstm"), ("lstm-whole", "lstm")]:
        out = subprocess.run([sys.executable, __file__, "child", kind,
                              os.path.join(tmp, f"{path}.joblib"), docs_path], capture_output=True,
                             text=True)
        if out.returncode:
            print(f"{kind}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{kind:14s} peak +{r['extra_mib']:,.0f} MiB over {r['before_mib']:,.0f} MiB "
              f"held before the call; {r['docs_s']:,.0f} docs/s; output {r['output_shape']} "
              f"({r['output_mib']:,.0f} MiB)",
              flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        measure(*sys.argv[2:5])
    else:
        main()
