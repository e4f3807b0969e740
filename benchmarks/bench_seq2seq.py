"""Seq2Seq on Tatoeba's English-Chinese pairs, against a plain PyTorch reference.

Every arm is trained for the same wall time on the loader's fixed split (no sentence of
either language on both sides) and scored on the test pairs with sacrebleu (corpus BLEU,
``zh`` tokenization for Chinese targets, one reference per line; chrF beside it).

Arms:

- ``plain-attention`` / ``plain-fixed``: the reference, written here in plain PyTorch:
  words in (lowercased, ``\\w+``), characters out, embeddings 128, a bidirectional GRU 256
  encoder, a GRU 256 decoder with Bahdanau attention (or one fixed ``c``, the mean of the
  encoder's states, fed at every step), Adam 1e-3, label smoothing 0.1, gradient clipping
  1.0, batches of 64 pairs sorted by source length (batch order shuffled), greedy decoding.
- ``rnn`` / ``rnn-attention`` / ``transformer``: ``sknlp.Seq2Seq`` with its defaults, 5 % of
  the training pairs held out for early stopping; ``max_epochs`` (and so the learning-rate
  schedule) set so that training fits the time, from a two-epoch probe on 4,000 random
  pairs whose time is counted; a training that would run past it stops after its last
  whole epoch.

``--beam`` also decodes each sknlp arm with beam search (5 prefixes, ``--length-penalty``,
chosen on a development split of the training pairs by ``explore_seq2seq.py``) beside greedy;
``--set NAME=VALUE ...`` gives the sknlp arms settings beside their defaults; ``--speed``
times a training epoch through the estimator against a plain loop over the same module and
batches (the figure of the issue's 3rd benchmark); ``--save DIR`` keeps the
trained models (``sknlp.save``) for the docs' examples.

    python benchmarks/bench_seq2seq.py --minutes 15 --arms plain-attention,rnn-attention
"""

import argparse
import ast
import re
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import DATA_HOME, header, time_limit
from torch import nn

import sknlp
from sknlp.datasets import load_sentence_pairs
from sknlp.neural import Seq2Seq
from sknlp.neural._seq2seq import Seq2SeqRNN
from sknlp.neural._training import BatchIterator

ARMS = ("plain-attention", "plain-fixed", "rnn", "rnn-attention", "transformer")


def sacre():
    import sacrebleu

    return sacrebleu


def bleu_chrf(hyps, refs, tokenize):
    """Corpus BLEU, chrF, and the outputs' length over the references' (BLEU's tokens)."""
    s = sacre()
    bleu = s.corpus_bleu(hyps, [refs], tokenize=tokenize)
    return bleu.score, s.corpus_chrf(hyps, [refs]).score, bleu.sys_len / bleu.ref_len


# -- the plain PyTorch reference -----------------------------------------------------------


class PlainSeq2Seq(nn.Module):
    def __init__(self, n_src, n_tgt, emb=128, hidden=256, attention=True):
        super().__init__()
        self.attention = attention
        self.src = nn.Embedding(n_src, emb, padding_idx=0)
        self.tgt = nn.Embedding(n_tgt, emb, padding_idx=0)
        self.enc = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.init = nn.Linear(2 * hidden, hidden)
        self.Wk = nn.Linear(2 * hidden, hidden, bias=False)
        self.Wq = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, 1, bias=False)
        self.dec = nn.GRUCell(emb + 2 * hidden, hidden)
        self.out = nn.Linear(hidden + 2 * hidden + emb, n_tgt)

    def encode(self, src, src_len):
        packed = nn.utils.rnn.pack_padded_sequence(self.src(src), src_len, batch_first=True,
                                                   enforce_sorted=False)
        h, _ = self.enc(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=src.shape[1])
        mask = torch.arange(src.shape[1])[None] < src_len[:, None]
        mean = (h * mask[..., None]).sum(1) / src_len[:, None]
        return h, mask, mean, self.Wk(h), torch.tanh(self.init(mean))

    def step(self, y_prev, s, h, mask, mean, keys):
        e = self.tgt(y_prev)
        if self.attention:
            a = self.v(torch.tanh(keys + self.Wq(s)[:, None])).squeeze(-1)
            a = torch.softmax(a.masked_fill(~mask, -1e9), -1)
            ctx = (a[..., None] * h).sum(1)
        else:
            ctx = mean
        s = self.dec(torch.cat([e, ctx], -1), s)
        return self.out(torch.cat([s, ctx, e], -1)), s

    def forward(self, src, src_len, tgt_in):
        h, mask, mean, keys, s = self.encode(src, src_len)
        out = []
        for t in range(tgt_in.shape[1]):
            logits, s = self.step(tgt_in[:, t], s, h, mask, mean, keys)
            out.append(logits)
        return torch.stack(out, 1)


def plain_arm(src_tr, tgt_tr, src_te, tgt_te, seconds, attention, tokenize):
    """Train the reference for ``seconds`` and decode the test sources greedily."""
    words = lambda s: re.findall(r"\w+", s.lower())  # noqa: E731
    counts = {}
    for s in src_tr:
        for w in words(s):
            counts[w] = counts.get(w, 0) + 1
    vocab = {w: i + 2 for i, w in enumerate(sorted(counts, key=lambda w: -counts[w])[:29998])}
    chars = sorted({c for t in tgt_tr for c in t})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    BOS, EOS = len(chars) + 1, len(chars) + 2

    def src_ids(texts):
        seqs = [[vocab.get(w, 1) for w in words(s)] or [1] for s in texts]
        return seqs

    S = src_ids(src_tr)
    T = [[cid[c] for c in t] for t in tgt_tr]
    order = np.argsort([len(s) for s in S], kind="stable")
    batches = [order[i : i + 64] for i in range(0, len(order), 64)]

    def tensors(idx):
        src = nn.utils.rnn.pad_sequence([torch.tensor(S[i]) for i in idx], batch_first=True)
        src_len = torch.tensor([len(S[i]) for i in idx])
        tin = nn.utils.rnn.pad_sequence([torch.tensor([BOS] + T[i]) for i in idx],
                                        batch_first=True)
        tout = nn.utils.rnn.pad_sequence([torch.tensor(T[i] + [EOS]) for i in idx],
                                         batch_first=True)
        return src, src_len, tin, tout

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = PlainSeq2Seq(len(vocab) + 2, len(chars) + 3, attention=attention)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    loss_fn = nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)
    start, steps = time.perf_counter(), 0
    model.train()
    while time.perf_counter() - start < seconds:
        for b in rng.permutation(len(batches)):
            src, src_len, tin, tout = tensors(batches[b])
            opt.zero_grad()
            loss = loss_fn(model(src, src_len, tin).transpose(1, 2), tout)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            steps += 1
            if time.perf_counter() - start >= seconds:
                break
    train_s = time.perf_counter() - start

    model.eval()
    St = src_ids(src_te)
    outputs = [None] * len(St)
    t0 = time.perf_counter()
    with torch.no_grad():
        order_te = np.argsort([len(s) for s in St], kind="stable")
        for i in range(0, len(order_te), 256):
            idx = order_te[i : i + 256]
            src = nn.utils.rnn.pad_sequence([torch.tensor(St[j]) for j in idx],
                                            batch_first=True)
            src_len = torch.tensor([len(St[j]) for j in idx])
            h, mask, mean, keys, s = model.encode(src, src_len)
            prev = torch.full((len(idx),), BOS)
            done = torch.zeros(len(idx), dtype=torch.bool)
            toks = []
            for _ in range(101):
                logits, s = model.step(prev, s, h, mask, mean, keys)
                logits[:, 0] = logits[:, BOS] = -1e9
                prev = logits.argmax(-1)
                toks.append(prev)
                done |= prev == EOS
                if bool(done.all()):
                    break
            toks = torch.stack(toks, 1).tolist()
            for j, row in zip(idx, toks):
                row = row[: row.index(EOS)] if EOS in row else row
                outputs[j] = "".join(chars[t - 1] for t in row if 0 < t <= len(chars))
    decode_s = time.perf_counter() - t0
    bleu, chrf, ratio = bleu_chrf(outputs, tgt_te, tokenize)
    return dict(bleu=bleu, chrf=chrf, ratio=ratio, train_s=train_s, epochs=steps / len(batches),
                per_s=len(St) / decode_s, outputs=outputs)


# -- sknlp ---------------------------------------------------------------------------------


def sknlp_arm(arch, src_tr, tgt_tr, src_te, tgt_te, seconds, beam, save, alpha=0.6,
              settings=None, planned=None):
    # English targets are written character by character: the longest has 134 characters.
    longest = max(len(t) for t in tgt_tr)
    params = dict(architecture=arch, random_state=0, validation_fraction=0.05,
                  early_stopping=True, patience=3, max_length=max(100, longest),
                  **(settings or {}))
    start = time.perf_counter()
    # The probe: a random 4,000 pairs (the file runs from short sentences to long ones).
    # Its epoch's own time sets the plan, without its setup (tokenizers, first calls):
    # planned from the probe's whole time, 21 epochs took 23.2 of 30 minutes. The
    # hold-out's loss (and BLEU, with scoring="bleu") after each epoch is added, and 10 %:
    # the probe's 4,000 pairs hold fewer characters than the whole file, so its output
    # layer is smaller (expected 54-60 s per epoch, measured 63-66 s on the whole file).
    # Two epochs, the slower counted: one alone measured 54 and 60 s in two runs.
    probe = np.random.default_rng(0).permutation(len(src_tr))[:4000]
    probe_model = Seq2Seq(**{**params, "early_stopping": False, "validation_fraction": None},
                          max_epochs=2).fit([src_tr[i] for i in probe],
                                            [tgt_tr[i] for i in probe])
    per_pair = max(probe_model.history_[:, "dur"]) / len(probe)
    held_out = 0.05 * len(src_tr)
    per_epoch = per_pair * (len(src_tr) - held_out) + held_out * (
        per_pair / 3 + (1 / 800 if params.get("scoring") == "bleu" else 0))
    left = seconds - (time.perf_counter() - start)
    epochs = planned or max(1, int(left / (1.10 * per_epoch)))
    print(f"probe: {per_epoch:.0f} s per epoch expected, {epochs} epochs planned in the "
          f"{left / 60:.1f} min left", flush=True)
    model = Seq2Seq(**params, max_epochs=epochs, callbacks=[time_limit(left)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the time limit's "interrupted"
        model.fit(src_tr, tgt_tr)
    train_s = time.perf_counter() - start
    model.set_params(callbacks=None)
    if save:
        Path(save).mkdir(parents=True, exist_ok=True)
        sknlp.save(model, Path(save) / f"{arch}.sknlp")
    print(f"epochs took {np.mean(model.history_[:, 'dur']):.0f} s on average", flush=True)
    result = dict(train_s=train_s, epochs=len(model.history_), planned=epochs,
                  best=int(np.argmin(model.history_[:, "valid_loss"])) + 1, model=model)
    t0 = time.perf_counter()
    result["outputs"] = model.predict(src_te)
    result["per_s"] = len(src_te) / (time.perf_counter() - t0)
    result["bleu"], result["chrf"], result["ratio"] = bleu_chrf(
        result["outputs"], tgt_te, model.bleu_tokenize_)
    if beam:
        model.set_params(decoding="beam", beam_size=5, length_penalty=alpha)
        t0 = time.perf_counter()
        out = model.predict(src_te)
        result["beam_per_s"] = len(src_te) / (time.perf_counter() - t0)
        result["beam_bleu"], result["beam_chrf"], result["beam_ratio"] = bleu_chrf(
            out, tgt_te, model.bleu_tokenize_)
        model.set_params(decoding="greedy")
    return result


def speed(src_tr, tgt_tr, n=6000, repeats=2):
    """Epoch through the estimator against a plain loop over the same module and batches."""
    src, tgt = src_tr[:n], tgt_tr[:n]
    common = dict(max_epochs=1, lr_schedule=None, random_state=0)
    probe = Seq2Seq(**common).fit(src[:200], tgt[:200])
    del probe
    t_est, t_plain = [], []
    for _ in range(repeats):
        model = Seq2Seq(**common)
        t = time.perf_counter()
        model.fit(src, tgt)
        t_fit = time.perf_counter() - t
        t_est.append((model.history_[-1, "dur"], t_fit))
        # The same module class and batches (the estimator's own iterator), a bare loop.
        ids, lengths = model._source_ids(src)
        inputs, outputs, tl = model._target_arrays(tgt)

        class DS:
            X = {"ids": ids, "lengths": lengths, "targets": inputs, "target_lengths": tl}
            y = outputs

        batches = list(BatchIterator(DS, 64, shuffle=True, bucket=True,
                                     rng=np.random.RandomState(0)))
        torch.manual_seed(0)
        module = Seq2SeqRNN(**model._module_kwargs_)
        opt = torch.optim.AdamW(module.parameters(), lr=2e-3, weight_decay=0.01, fused=True)
        loss_fn = nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)
        module.train()
        t = time.perf_counter()
        for Xb, yb in batches:
            opt.zero_grad()
            loss = loss_fn(module(**Xb).transpose(1, 2), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()
        t_plain.append(time.perf_counter() - t)
    epoch = min(e for e, _ in t_est)
    fit = min(f for _, f in t_est)
    plain = min(t_plain)
    print(f"\n## Overhead ({n:,} pairs, rnn-attention, fastest of {repeats} alternating runs)")
    print(f"plain PyTorch epoch (same module, same batches): {plain:6.1f} s")
    print(f"estimator epoch                                 : {epoch:6.1f} s  "
          f"ratio {epoch / plain:.3f}x (target <= 1.10x)")
    print(f"estimator fit (tokenizing included)             : {fit:6.1f} s  "
          f"ratio {fit / plain:.3f}x", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=15)
    parser.add_argument("--direction", choices=["en-zh", "zh-en"], default="en-zh")
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--beam", action="store_true")
    parser.add_argument("--length-penalty", type=float, default=0.6)
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="Seq2Seq settings of the sknlp arms beside their defaults")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--save", default=None)
    parser.add_argument("--epochs", type=int, default=None,
                        help="plan this many epochs instead of what the probe plans (to rerun "
                             "a measured training exactly; the time limit still holds)")
    args = parser.parse_args()
    settings = {k: ast.literal_eval(v) for k, v in (s.split("=", 1) for s in args.set)}
    reverse = args.direction == "zh-en"
    train = load_sentence_pairs(subset="train", reverse=reverse, data_home=DATA_HOME)
    test = load_sentence_pairs(subset="test", reverse=reverse, data_home=DATA_HOME)
    header(f"Seq2Seq {args.direction}, every arm trained {args.minutes:g} min",
           f"Tatoeba cmn.txt: {len(train.data):,} training pairs, {len(test.data):,} test "
           "pairs (the loader's split)")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    if settings:
        print(f"sknlp arms: {settings} beside the defaults")
    if args.speed:
        speed(train.data, train.target)
    seconds = args.minutes * 60
    tokenize = "13a" if reverse else "zh"
    rows = []
    for arm in [a for a in args.arms.split(",") if a]:
        print(f"\n## {arm}", flush=True)
        if arm.startswith("plain-"):
            if reverse:
                print("(the reference reads words: English sources only)")
                continue
            r = plain_arm(train.data, train.target, test.data, test.target, seconds,
                          arm == "plain-attention", tokenize)
            print(f"trained {r['train_s'] / 60:.1f} min, {r['epochs']:.1f} epochs")
        else:
            r = sknlp_arm(arm, train.data, train.target, test.data, test.target, seconds,
                          args.beam, args.save, args.length_penalty, settings, args.epochs)
            print(f"trained {r['train_s'] / 60:.1f} min (probe included), {r['epochs']} of "
                  f"{r['planned']} planned epochs, best epoch {r['best']} on the hold-out")
        print(f"greedy: BLEU {r['bleu']:.2f}  chrF {r['chrf']:.2f}  length {r['ratio']:.3f}  "
              f"{r['per_s']:,.0f} sentences/s", flush=True)
        if "beam_bleu" in r:
            print(f"beam 5 (length penalty {args.length_penalty:g}): BLEU {r['beam_bleu']:.2f}  "
                  f"chrF {r['beam_chrf']:.2f}  length {r['beam_ratio']:.3f}  "
                  f"{r['beam_per_s']:,.0f} sentences/s", flush=True)
        for i in (0, 7, 42, 300, 1000):
            print(f"  {test.data[i]!r} -> {r['outputs'][i]!r}  (reference {test.target[i]!r})")
        rows.append((arm, r))
    print("\n| arm | BLEU | chrF | sentences/s | training |")
    print("| --- | --- | --- | --- | --- |")
    for arm, r in rows:
        print(f"| {arm} | {r['bleu']:.1f} | {r['chrf']:.1f} | {r['per_s']:,.0f} | "
              f"{r['train_s'] / 60:.1f} min |")


if __name__ == "__main__":
    main()
