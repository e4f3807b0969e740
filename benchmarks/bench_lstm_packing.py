"""The LSTM's dense masked batches against packed sequences, same module sizes, same batches.

``LSTMModule`` runs each direction over dense right-padded batches (the backward one over
each row reversed within its length), which gives on the real tokens what PyTorch's packed
sequences give. This script times one training epoch of both over the same bucketed IMDB
batches, alternating, at two widths; the packed variant is defined here only as the
baseline. A BiLSTM 128 with max pooling, as in ``bench_neural_imdb.py lstm``.
"""

import time

import numpy as np
import torch
from _common import DATA_HOME, header
from bench_neural_speed import _DS, plain_epoch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sknlp.datasets import load_imdb
from sknlp.neural._modules import LSTMModule, _mask
from sknlp.neural._pooling import masked_max
from sknlp.neural._training import BatchIterator, compact
from sknlp.preprocessing import Tokenizer

N_TRAIN, BATCH = 2000, 64


class PackedLSTM(nn.Module):
    """The baseline: the same layers over packed sequences."""

    def __init__(self, vocab_size):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, 128, padding_idx=0)
        self.lstm = nn.LSTM(128, 128, batch_first=True, bidirectional=True)
        self.head = nn.Linear(256, 2)

    def forward(self, ids, lengths):
        T = ids.shape[1]
        packed = pack_padded_sequence(self.embedding(ids), lengths.clamp(min=1).cpu(),
                                      batch_first=True, enforce_sorted=False)
        H, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=T)
        return self.head(masked_max(H, _mask(lengths, T)))


def main():
    header("LSTM: dense masked batches vs packed sequences",
           f"IMDB train slice of {N_TRAIN:,} reviews, bucketed batches of {BATCH}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    rng = np.random.default_rng(0)
    train = load_imdb(subset="train", data_home=DATA_HOME)
    idx = rng.permutation(len(train.data))[:N_TRAIN]
    X, y = [train.data[i] for i in idx], train.target[idx]
    for maxlen in (256, 400):
        ids, lengths = compact(Tokenizer(num_words=20000, maxlen=maxlen).fit_transform(X))
        batches = list(BatchIterator(_DS(ids, lengths, y), BATCH, shuffle=True, bucket=True,
                                     rng=np.random.RandomState(0)))
        times = {"dense": [], "packed": []}
        for _ in range(2):
            torch.manual_seed(0)
            times["dense"].append(plain_epoch(LSTMModule(
                vocab_size=20000, n_classes=2, embedding_dim=128, hidden_size=128,
                bidirectional=True, pooling="max", dropout=0.0), batches))
            torch.manual_seed(0)
            times["packed"].append(plain_epoch(PackedLSTM(20000), batches))
        dense, packed = min(times["dense"]), min(times["packed"])
        print(f"maxlen {maxlen}: epoch dense {dense:6.1f} s, packed {packed:6.1f} s: "
              f"dense is {packed / dense:.1f}x faster", flush=True)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
