"""Word-piece encoding of long texts for a pretrained model: cut at whitespace first, or not.

``PretrainedClassifier`` keeps at most ``maxlen`` word pieces of a text, but the tokenizer
reads the whole text before it truncates. Since 2026-12-07 a long text is first cut just
before a whitespace character once the part before holds enough pieces. This script times
the encoding with the cut against the same encoding of the whole texts (the baseline), in
alternating runs of the same process, checks that both give the same ids, and prints the
ratio for the IMDB test reviews alone and with one 10 MB document among them.

    python benchmarks/bench_word_pieces.py
"""

import time

import numpy as np
from _common import DATA_HOME, header

from sknlp.datasets import load_imdb
from sknlp.neural import _hf


class _Est:
    def __init__(self, tokenizer, limit):
        self.tokenizer_ = tokenizer
        self.limit = limit

    def _word_piece_limit(self):
        return self.limit


def timed(est, docs, cut):
    saved = _hf._SPLITS_AT_WHITESPACE
    if not cut:
        _hf._SPLITS_AT_WHITESPACE = ()  # the tokenizer reads every text whole
    try:
        t = time.perf_counter()
        ids = _hf.word_piece_ids(est, docs)
        return time.perf_counter() - t, ids
    finally:
        _hf._SPLITS_AT_WHITESPACE = saved


def main():
    reviews = load_imdb(subset="test", data_home=DATA_HOME).data[:5000]
    big = ("a long review that never ends " * 350_000)[:10_000_000]
    header("Word-piece encoding with and without the cut at whitespace",
           "IMDB test reviews (the first 5,000), then the same with one 10 MB document")
    tokenizer = _hf.load_tokenizer(_hf.minilm_path())
    print("| Texts | maxlen | whole texts (s) | cut first (s) | speed-up | same ids |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, docs in (("5,000 reviews", reviews), ("5,000 reviews + 10 MB", [*reviews, big])):
        for limit in (64, 256, 512):
            est = _Est(tokenizer, limit)
            best = {True: np.inf, False: np.inf}
            ids = {}
            for _ in range(2):  # alternating, fastest of two each
                for cut in (False, True):
                    seconds, ids[cut] = timed(est, docs, cut)
                    best[cut] = min(best[cut], seconds)
            same = np.array_equal(ids[True], ids[False])
            print(f"| {name} | {limit} | {best[False]:.2f} | {best[True]:.2f} | "
                  f"{best[False] / best[True]:.2f}x | {same} |", flush=True)


if __name__ == "__main__":
    main()
