"""Seq2Seq: text in, text out, with an encoder-decoder RNN (with or without attention) or
a Transformer.

The module reads bottom-up: the RNN's attention and model, the Transformer's decoder and
model, the searches that decode, the estimator. Ids are right-padded with 0; the target
vocabulary adds a start id ``V`` and an end id ``V + 1`` after the target tokenizer's ``V``
ids.

Both models answer the same three calls, which is all that training and decoding use:
``encode(ids, lengths)`` gives the memory of a batch of sources (a tuple of batch-first
tensors), ``init_state(memory)`` the decoder's first state, and ``step(prev, state, memory,
need_weights)`` the next token's logits, the new state and (optionally) the attention over
the source.
"""

import math
import os
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch import nn

from ..preprocessing import Tokenizer
from ..preprocessing._tokenizer import tokenizer_for
from ..utils._text import mostly_chinese
from ..utils._validation import check_documents
from ._engine import (
    TRAINING_CONSTRAINTS,
    SavedNetMixin,
    build_net,
    check_params,
    fit_net,
    store_training_params,
    torch_threads,
)
from ._modules import (
    CrossAttention,
    EncoderBlock,
    _mask,
    feed_forward,
    next_token,
    sinusoidal_positions,
)
from ._training import MixedPrecisionNet, check_checkpoint_dir, compact

ARCHITECTURES = ("rnn", "rnn-attention", "transformer")
DECODINGS = ("greedy", "beam", "sample")


class AdditiveAttention(nn.Module):
    """Bahdanau et al. (2015), "Neural Machine Translation by Jointly Learning to Align
    and Translate": ``score(s, h_j) = v . tanh(W h_j + U s)`` over the encoder states
    ``h_j``, from the decoder's previous state ``s``."""

    def __init__(self, key_size, query_size, size):
        super().__init__()
        self.W = nn.Linear(key_size, size, bias=False)
        self.U = nn.Linear(query_size, size)
        self.v = nn.Linear(size, 1, bias=False)

    def keys(self, states):
        return self.W(states)  # (B, S, A), computed once per source

    def forward(self, query, keys, states, mask):
        scores = self.v(torch.tanh(keys + self.U(query)[:, None, :])).squeeze(-1)  # (B, S)
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        return (weights[:, :, None] * states).sum(1), weights  # (B, 2H), (B, S)


class Seq2SeqRNN(nn.Module):
    """Bidirectional GRU encoder and GRU decoder (Cho et al. 2014; Sutskever et al. 2014).

    Without attention the decoder reads one fixed summary ``c`` of the source (the mean of
    the encoder's states) at every step; with attention, a mix of the encoder's states
    weighted afresh at each step (Bahdanau et al. 2015). The decoder's first state comes
    from ``c`` in both.
    """

    def __init__(self, src_vocab, tgt_vocab, embedding_dim=128, hidden_size=256,
                 attention=True, dropout=0.2):
        super().__init__()
        E, H = embedding_dim, hidden_size
        self.src_embedding = nn.Embedding(src_vocab, E, padding_idx=0)
        self.tgt_embedding = nn.Embedding(tgt_vocab, E, padding_idx=0)
        self.encoder = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * H, H)
        self.attention = AdditiveAttention(2 * H, H, H) if attention else None
        self.cell = nn.GRUCell(E + 2 * H, H)
        self.out = nn.Linear(H + 2 * H + E, tgt_vocab)
        self.dropout = nn.Dropout(dropout)

    def encode(self, ids, lengths):
        """The memory of a batch of sources: encoder states (B, S, 2H), their mask (B, S),
        the summary c (B, 2H) and the attention keys (B, S, H) or None."""
        S = ids.shape[1]
        x = self.dropout(self.src_embedding(ids))  # (B, S, E)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.clamp(min=1).cpu(),
                                                   batch_first=True, enforce_sorted=False)
        states, _ = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(states, batch_first=True,
                                                     total_length=S)  # (B, S, 2H)
        mask = _mask(lengths.clamp(min=1), S)
        c = (states * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)  # (B, 2H)
        keys = self.attention.keys(states) if self.attention is not None else None
        return states, mask, c, keys

    def init_state(self, memory):
        """The decoder's first state (B, H), from the summary c."""
        return torch.tanh(self.bridge(memory[2]))

    def step(self, prev, s, memory, need_weights=False):
        """One decoder step from the previous target ids ``prev`` (B,) and state ``s``
        (B, H): logits (B, V), the new state, and the attention weights (B, S) or None."""
        states, mask, c, keys = memory
        e = self.dropout(self.tgt_embedding(prev))  # (B, E)
        weights = None
        context = c
        if self.attention is not None:
            context, weights = self.attention(s, keys, states, mask)  # (B, 2H)
        s = self.cell(torch.cat([e, context], -1), s)  # (B, H)
        logits = self.out(self.dropout(torch.cat([s, context, e], -1)))  # (B, V)
        return logits, s, weights

    def forward(self, ids, lengths, targets, target_lengths=None):
        """Teacher forcing: logits (B, T, V) for the decoder inputs ``targets`` (B, T)."""
        memory = self.encode(ids, lengths)
        s = self.init_state(memory)
        out = []
        for t in range(targets.shape[1]):
            logits, s, _ = self.step(targets[:, t], s, memory)
            out.append(logits)
        return torch.stack(out, 1)


class DecoderBlock(nn.Module):
    """A Transformer decoder layer (Vaswani et al. 2017, section 3.1), pre-norm like
    :class:`~sknlp.neural._modules.EncoderBlock`: masked self-attention over the target
    written so far, attention over the encoder's output, a feed-forward layer; each a
    residual sublayer."""

    def __init__(self, d_model, n_heads, dim_feedforward, dropout, temperature):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.self_attn = CrossAttention(d_model, n_heads, dropout, temperature)
        self.ln2 = nn.LayerNorm(d_model)
        self.cross_attn = CrossAttention(d_model, n_heads, dropout, temperature)
        self.ln3 = nn.LayerNorm(d_model)
        self.mlp = feed_forward(d_model, dim_feedforward)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, causal, memory_kv, memory_keep, past=None, return_attention=False):
        """``x`` (B, T, C): the target's positions, or only the newest ones when ``past``
        holds the self-attention's keys and values (B, nh, t, dk) of the earlier ones.
        Returns the output, this layer's keys and values (past included) and the attention
        over the memory (B, nh, T, S) or None."""
        h = self.ln1(x)
        k, v = self.self_attn.keys_values(h)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        x = x + self.drop(self.self_attn.attend(h, k, v, causal)[0])  # (B, T, C)
        a, att = self.cross_attn.attend(self.ln2(x), *memory_kv, memory_keep,
                                        return_attention)
        x = x + self.drop(a)
        x = x + self.drop(self.mlp(self.ln3(x)))
        return x, (k, v), att


class Seq2SeqTransformer(nn.Module):
    """The Transformer's encoder-decoder (Vaswani et al. 2017): encoder blocks over the
    source; decoder blocks with masked self-attention and attention over the encoder's
    output; the target embeddings double as the output layer (Press & Wolf 2017).

    The attention's ``temperature`` is the classifiers' ``attention_temperature``
    (``sqrt(d_k)`` by default). Decoding keeps each layer's keys and values of the tokens
    written so far, and of the source, so a step costs one position, not the whole prefix.
    """

    def __init__(self, src_vocab, tgt_vocab, d_model=256, n_heads=4, n_layers=2,
                 dim_feedforward=512, dropout=0.1, attention_temperature=None):
        super().__init__()
        self.d_model = d_model
        self.src_embedding = nn.Embedding(src_vocab, d_model, padding_idx=0)
        self.tgt_embedding = nn.Embedding(tgt_vocab, d_model, padding_idx=0)
        for emb in (self.src_embedding, self.tgt_embedding):  # unit variance once scaled
            nn.init.normal_(emb.weight, std=d_model**-0.5)
            emb.weight.data[0] = 0.0
        self.register_buffer("positions", sinusoidal_positions(256, d_model), persistent=False)
        self.encoder = nn.ModuleList([
            EncoderBlock(d_model, n_heads, dim_feedforward, dropout, attention_temperature)
            for _ in range(n_layers)])
        self.decoder = nn.ModuleList([
            DecoderBlock(d_model, n_heads, dim_feedforward, dropout, attention_temperature)
            for _ in range(n_layers)])
        self.ln_enc = nn.LayerNorm(d_model)
        self.ln_dec = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)

    def _embed(self, embedding, ids, start=0):
        T = start + ids.shape[1]
        pos = (self.positions[start:T] if T <= len(self.positions)
               else sinusoidal_positions(T, self.d_model).to(self.positions.device)[start:])
        return self.drop(embedding(ids) * math.sqrt(self.d_model) + pos)  # (B, T, C)

    def encode(self, ids, lengths):
        """The memory of a batch of sources: the source mask (B, S), then each decoder
        layer's keys and values over the encoder's output (B, nh, S, dk)."""
        mask = _mask(lengths.clamp(min=1), ids.shape[1])
        x = self._embed(self.src_embedding, ids)
        for block in self.encoder:
            x, _ = block(x, mask)
        x = self.ln_enc(x)
        return (mask, *[t for block in self.decoder
                        for t in block.cross_attn.keys_values(x)])

    def _decode(self, x, memory, past, causal, return_attention):
        mask = memory[0][:, None, :]  # (B, 1, S)
        cache, att = [], None
        for i, block in enumerate(self.decoder):
            last = return_attention and i == len(self.decoder) - 1
            x, kv, att = block(x, causal, memory[1 + 2 * i : 3 + 2 * i], mask,
                               past[2 * i : 2 * i + 2] if past else None, last)
            cache.extend(kv)
        logits = self.ln_dec(x) @ self.tgt_embedding.weight.T  # (B, T, V)
        return logits, tuple(cache), (att.mean(1) if att is not None else None)

    def init_state(self, memory):
        """Each decoder layer's keys and values of the target written so far: none yet."""
        B, nh, _, dk = memory[1].shape
        empty = memory[1].new_zeros(B, nh, 0, dk)
        return tuple(empty for _ in range(2 * len(self.decoder)))

    def step(self, prev, state, memory, need_weights=False):
        t = state[0].shape[2]  # tokens written before ``prev``
        x = self._embed(self.tgt_embedding, prev[:, None], start=t)  # (B, 1, C)
        keep = torch.ones(1, 1, t + 1, dtype=torch.bool, device=prev.device)
        logits, state, att = self._decode(x, memory, state, keep, need_weights)
        return logits[:, -1], state, (att[:, -1] if att is not None else None)

    def forward(self, ids, lengths, targets, target_lengths=None):
        """Teacher forcing: logits (B, T, V) for the decoder inputs ``targets`` (B, T)."""
        T = targets.shape[1]
        causal = torch.ones(T, T, dtype=torch.bool, device=targets.device).tril()[None]
        return self._decode(self._embed(self.tgt_embedding, targets),
                            self.encode(ids, lengths), None, causal, False)[0]


class Seq2SeqEnsemble(nn.Module):
    """Several encoder-decoders of one kind, trained side by side on the same batches from
    different starting weights, that decode as one: each step's distribution is the mean
    of the members' (Sutskever et al. 2014, table 1: five LSTMs decoded together scored
    34.81 BLEU on WMT'14 English -> French, one alone 30.59).

    ``member`` names the members' class (``"rnn"`` or ``"transformer"``, never a class read
    from a file); the other arguments are the members'. Training returns the members'
    logits stacked on a new first axis, and the loss is the mean of their losses, so each
    member learns as it would alone.
    """

    def __init__(self, member, size, **member_kwargs):
        super().__init__()
        kinds = {"rnn": Seq2SeqRNN, "transformer": Seq2SeqTransformer}
        if member not in kinds:
            raise ValueError(f"member must be 'rnn' or 'transformer', got {member!r}")
        kind = kinds[member]
        if size < 2:
            raise ValueError(f"an ensemble has at least 2 members, got {size}")
        self.members = nn.ModuleList([kind(**member_kwargs) for _ in range(size)])

    def encode(self, ids, lengths):
        return tuple(m.encode(ids, lengths) for m in self.members)

    def init_state(self, memory):
        return tuple(m.init_state(mem) for m, mem in zip(self.members, memory))

    def step(self, prev, state, memory, need_weights=False):
        """The log of the members' mean next-token probabilities (B, V), their states, and
        the mean of their attention over the source."""
        steps = [m.step(prev, s, mem, need_weights)
                 for m, s, mem in zip(self.members, state, memory)]
        logp = torch.stack([torch.log_softmax(lg.float(), -1) for lg, _, _ in steps])
        logp = torch.logsumexp(logp, 0) - math.log(len(steps))
        weights = (torch.stack([w for _, _, w in steps]).mean(0)
                   if steps[0][2] is not None else None)
        return logp, tuple(s for _, s, _ in steps), weights

    def forward(self, ids, lengths, targets, target_lengths=None):
        """Teacher forcing: each member's logits, (n_members, B, T, V)."""
        return torch.stack([m(ids, lengths, targets, target_lengths) for m in self.members])


def _rows(memory):
    """The batch size and device of a memory (a tensor, or nested tuples of them)."""
    while isinstance(memory, tuple):
        memory = memory[0]
    return len(memory), memory.device


def _take(x, idx):
    """Rows ``idx`` of a tensor, or of each tensor of a tuple (None stays None)."""
    if x is None:
        return None
    if isinstance(x, tuple):
        return tuple(_take(t, idx) for t in x)
    return x.index_select(0, idx)


def _banned(logits, start_id):
    """Padding and the start id are never written."""
    logits[:, 0] = float("-inf")
    logits[:, start_id] = float("-inf")
    return logits


def search_greedy(module, memory, *, start_id, end_id, max_steps, need_weights,
                  temperature=None, top_k=None, generator=None):
    """Greedy decoding, or sampling from the softmax at ``temperature`` (over the ``top_k``
    most likely tokens) when ``temperature`` is set. Returns tokens (B, T) and the
    attention (B, T, S) or None; rows that ended hold the end id, then padding.

    Rows that wrote the end id leave the batch (with their state and memory) once a quarter
    of the batch has ended, so the steps after that cost only what is still being written.
    """
    B, device = _rows(memory)
    state = module.init_state(memory)
    active = torch.arange(B, device=device)  # the rows of the batch still decoded
    prev = torch.full((B,), start_id, dtype=torch.long, device=device)
    done = torch.zeros(B, dtype=torch.bool, device=device)
    tokens = torch.zeros(B, max_steps, dtype=torch.long, device=device)
    weights = None
    steps = 0
    for t in range(max_steps):
        logits, state, w = module.step(prev, state, memory, need_weights)
        prev = next_token(_banned(logits, start_id), temperature=temperature, top_k=top_k,
                          generator=generator)
        prev = prev.masked_fill(done, 0)
        tokens[active, t] = prev
        if w is not None:
            if weights is None:
                weights = w.new_zeros(B, max_steps, w.shape[-1])
            weights[active, t] = w
        steps = t + 1
        done |= prev == end_id
        n_done = int(done.sum())
        if n_done == len(done):
            break
        if 4 * n_done >= len(done):
            keep = (~done).nonzero().squeeze(1)
            active, prev, done, state, memory = _take((active, prev, done, state, memory),
                                                      keep)
    return tokens[:, :steps], (weights[:, :steps] if weights is not None else None)


def search_beam(module, memory, *, start_id, end_id, max_steps, need_weights, beam_size,
                length_penalty):
    """Beam search: keeps the ``beam_size`` most likely prefixes of each source; a prefix
    that wrote the end id stays in its beam with its score frozen. The best finished
    hypothesis is chosen by log-probability over ``((5 + length) / 6) ** length_penalty``
    (Wu et al. 2016, "Google's Neural Machine Translation System", section 7).

    A source whose prefixes have all ended gets its best one written out, and leaves the
    batch once a quarter of the sources have ended, as in :func:`search_greedy`.

    Returns tokens (B, T) and the attention (B, T, S) or None, like :func:`search_greedy`.
    """
    (B, device), K = _rows(memory), beam_size
    rows = torch.arange(B, device=device).repeat_interleave(K)  # (B*K,)
    memory = _take(memory, rows)
    state = module.init_state(memory)
    prev = torch.full((B * K,), start_id, dtype=torch.long, device=device)
    scores = torch.full((B, K), float("-inf"), device=device)
    scores[:, 0] = 0.0  # one live prefix per source to begin with
    done = torch.zeros(B * K, dtype=torch.bool, device=device)
    lengths = torch.zeros(B * K, device=device)
    history = torch.zeros(B * K, 0, dtype=torch.long, device=device)
    attention = None
    active = torch.arange(B, device=device)  # the sources still in the batch
    tokens = torch.zeros(B, max_steps, dtype=torch.long, device=device)
    weights = None
    steps = 0

    def write_out(sources):
        """Write the best hypothesis of the batch's ``sources`` (positions in ``active``)."""
        nonlocal weights
        n = len(scores)
        normalised = scores.view(-1) / ((5.0 + lengths) / 6.0) ** length_penalty
        normalised = torch.where(done, normalised, normalised - 1e9)  # finished ones first
        best = normalised.view(n, K).argmax(-1) + torch.arange(n, device=device) * K
        best = best[sources]
        tokens[active[sources], : history.shape[1]] = history[best]
        if attention is not None:
            if weights is None:
                weights = attention.new_zeros(B, max_steps, attention.shape[-1])
            weights[active[sources], : attention.shape[1]] = attention[best]

    for t in range(max_steps):
        n = len(scores)  # sources still in the batch
        logits, state, w = module.step(prev, state, memory, need_weights)
        logp = torch.log_softmax(_banned(logits, start_id).float(), -1)  # (n*K, V)
        V = logp.shape[1]
        # A finished prefix continues only with padding, at no cost.
        logp[done] = float("-inf")
        logp[done, 0] = 0.0
        cand = (scores.view(n * K, 1) + logp).view(n, K * V)
        scores, flat = cand.topk(K, dim=-1)  # (n, K)
        beam = flat // V
        token = flat % V
        pick = (torch.arange(n, device=device)[:, None] * K + beam).view(-1)  # (n*K,)
        prev = token.view(-1)
        state = _take(state, pick)
        history = torch.cat([history[pick], prev[:, None]], 1)
        was_done = done[pick]
        lengths = lengths[pick] + (~was_done).float()
        done = was_done | (prev == end_id)
        if w is not None:
            w = w[pick]
            attention = w[:, None] if attention is None else torch.cat([attention[pick],
                                                                        w[:, None]], 1)
        steps = t + 1
        ended = done.view(n, K).all(1)  # (n,)
        n_ended = int(ended.sum())
        if n_ended == n:
            break
        if 4 * n_ended >= n:
            write_out(ended.nonzero().squeeze(1))
            keep = (~ended).nonzero().squeeze(1)
            keep_rows = (keep[:, None] * K + torch.arange(K, device=device)).view(-1)
            active, scores = _take((active, scores), keep)
            prev, done, lengths, history, attention, state, memory = _take(
                (prev, done, lengths, history, attention, state, memory), keep_rows)
    write_out(torch.arange(len(scores), device=device))
    return tokens[:, :steps], (weights[:, :steps] if weights is not None else None)


def decode_rows(module, ids, lengths, search, *, start_id, end_id, batch=256):
    """Write the outputs of the sources ``ids`` / ``lengths`` (numpy, right-padded) with
    ``search(memory)``, in batches of sources of similar length. Returns each output's
    token ids (without the end id or any special id) and its attention (T + 1, S), or None
    where ``search`` gives none. The module is in eval mode, under ``torch.no_grad``."""
    order = np.argsort(lengths, kind="stable")
    device = next(module.parameters()).device
    outputs, attentions = [None] * len(ids), [None] * len(ids)
    for start in range(0, len(ids), batch):
        rows = order[start : start + batch]
        L = max(int(lengths[rows].max()), 1)
        memory = module.encode(torch.as_tensor(ids[rows, :L], device=device),
                               torch.as_tensor(lengths[rows], device=device))
        tokens, w_all = search(memory)
        tokens = tokens.cpu().numpy()  # (B, T)
        w_all = w_all.cpu().numpy() if w_all is not None else None
        for j, row in enumerate(rows):
            seq = tokens[j].tolist()
            n = seq.index(end_id) if end_id in seq else len(seq)
            outputs[row] = [t for t in seq[:n] if 0 < t < start_id]
            if w_all is not None:
                attentions[row] = w_all[j, : n + 1, : lengths[row]]
    return outputs, attentions


def detokenize(vocabulary, joiner, ids):
    """The text of target token ids: their tokens joined by ``joiner``."""
    return joiner.join(vocabulary[ids].tolist() if ids else []).strip()


class HeldOutBleu(Callback):
    """Adds ``valid_bleu`` to each epoch's record: the corpus BLEU of greedy outputs for the
    hold-out's sources, against its targets as the target tokenizer reads them (tokens it
    does not keep are missing from both sides), so that early stopping can keep the epoch
    that writes best rather than the one with the lowest loss."""

    def __init__(self, *, start_id, end_id, max_steps, vocabulary, joiner, tokenize):
        self.start_id = start_id
        self.end_id = end_id
        self.max_steps = max_steps
        self.vocabulary = vocabulary
        self.joiner = joiner
        self.tokenize = tokenize

    def _text(self, ids):
        return detokenize(self.vocabulary, self.joiner, ids)

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        import sacrebleu

        if dataset_valid is None:
            return
        module = net.module_
        was_training = module.training
        module.eval()
        ids = dataset_valid.X

        def greedy(memory):
            return search_greedy(module, memory, start_id=self.start_id, end_id=self.end_id,
                                 max_steps=self.max_steps, need_weights=False)

        with torch.no_grad():
            outputs, _ = decode_rows(module, ids["ids"], ids["lengths"], greedy,
                                     start_id=self.start_id, end_id=self.end_id)
        module.train(was_training)
        refs = [self._text([t for t in row.tolist() if 0 < t < self.start_id])
                for row in np.asarray(dataset_valid.y)]
        bleu = sacrebleu.corpus_bleu([self._text(o) for o in outputs], [refs],
                                     tokenize=self.tokenize)
        net.history.record("valid_bleu", float(bleu.score))


class _Seq2SeqNet(MixedPrecisionNet, NeuralNet):
    """skorch net over sequence targets: the loss of every target position but padding."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = y_true.to(y_pred.device)
        if y_pred.dim() == 4:  # an ensemble's members: the mean of their losses
            return torch.stack([self.criterion_(p.transpose(1, 2), y_true)
                                for p in y_pred]).mean()
        return self.criterion_(y_pred.transpose(1, 2), y_true)  # (B, V, T) vs (B, T)


class Seq2Seq(SavedNetMixin, BaseEstimator):
    """Text in, text out: an encoder-decoder that learns to write ``y`` from ``X``.

    ``architecture="rnn"``: a bidirectional GRU reads the source and a GRU decoder writes
    the target token by token from one fixed summary ``c`` of the source (Sutskever et al.
    2014, Cho et al. 2014). ``"rnn-attention"``: the same decoder with additive attention
    over every source position (Bahdanau et al. 2015). ``"transformer"``: the Transformer's
    encoder and decoder, with masked self-attention and attention over the source (Vaswani
    et al. 2017). Trained with teacher forcing and label smoothing on batches bucketed by
    source and target length; decoded greedily, by beam search, or by sampling.

    ``score`` is corpus BLEU (Papineni et al. 2002) through ``sacrebleu``, with its
    Chinese tokenization for Chinese targets, so ``GridSearchCV`` and ``cross_val_score``
    tune and score the model as they are.

    Parameters
    ----------
    architecture : {"rnn", "rnn-attention", "transformer"}, default="rnn-attention"
        Fixed summary ``c``, attention, or the Transformer.
    source_tokenizer : Tokenizer or None, default=None
        Tokenizes the source; by default ``Tokenizer(num_words=30000, maxlen=None)``
        (lowercased words, no sentence truncated), or characters
        (``Tokenizer(analyzer="char", split="", num_words=30000, maxlen=None)``) when the
        sources are mostly Chinese characters, which have no spaces between words. Its
        ``maxlen`` caps the source length.
    target_tokenizer : Tokenizer or None, default=None
        Tokenizes the target; default ``Tokenizer(analyzer="char", lower=False,
        split="")``: characters, spaces included, keep the target's case, punctuation and
        spacing, and are how Chinese reads best. The output joins tokens with nothing
        (characters) or with spaces (words: a word tokenizer drops punctuation, so its
        output has none).
    embedding_dim : int, default=128
        Token embedding size, source and target (RNN architectures).
    hidden_size : int, default=256
        Size of the decoder's state (each encoder direction has as many); the model width
        ``d_model`` of the Transformer.
    n_heads, n_layers, dim_feedforward : int, default=4, 2, 512
        The Transformer's attention heads, encoder and decoder layers (each), and
        feed-forward width.
    attention_temperature : float or None, default=None
        The Transformer's attention temperature, ``sqrt(d_k)`` when None, as in
        :class:`~sknlp.neural.TransformerClassifier`.
    dropout : float, default=0.2
        Dropout on embeddings and the decoder's output layer (RNN), on every sublayer
        (Transformer).
    max_length : int, default=100
        Longest target, in tokens, that training accepts and decoding writes.
    label_smoothing : float, default=0.1
        Label smoothing of the cross-entropy (Szegedy et al. 2016).
    decoding : {"greedy", "beam", "sample"}, default="greedy"
        How ``predict`` writes: the most likely token at each step; beam search over
        ``beam_size`` prefixes; or tokens drawn from the model's distribution at
        ``temperature`` (varied replies, reproducible under ``random_state``). Decoding
        settings can be changed after ``fit`` with ``set_params``; they never retrain.
    beam_size : int, default=5
        Prefixes kept by beam search.
    length_penalty : float, default=0.6
        Beam search ranks finished outputs by log-probability over
        ``((5 + length) / 6) ** length_penalty`` (Wu et al. 2016); 0 ranks by
        log-probability alone, which favours short outputs.
    temperature : float, default=1.0
        Sampling temperature: below 1 safer, above 1 more varied.
    top_k : int or None, default=None
        Sampling draws from the ``top_k`` most likely tokens only (all when None).
    ensemble_size : int, default=1
        Networks of this architecture trained side by side on the same batches, each from
        its own starting weights, that write as one: every decoding (greedy, beam,
        sampling) reads the mean of their next-token probabilities, and the attention
        shown is the mean of theirs (Sutskever et al. 2014). An epoch costs
        ``ensemble_size`` times as much, so under a fixed time budget each member trains
        fewer epochs; the user guide's page on Seq2Seq measures the trade.
    max_epochs, batch_size, lr, optimizer, weight_decay, lr_schedule, warmup_fraction, \
grad_clip, early_stopping, validation_fraction, patience, bucket, random_state, device, \
precision, n_jobs, verbose, callbacks, checkpoint_dir
        Training settings, as in :class:`~sknlp.neural.LSTMClassifier`;
        ``checkpoint_dir`` saves each epoch and resumes an interrupted training where it
        stopped.
    scoring : {"loss", "bleu"}, default="loss"
        What early stopping watches on the hold-out, and which epoch it keeps: the loss,
        or the corpus BLEU of greedy outputs (``valid_bleu`` in ``history_``, against the
        hold-out's targets as the target tokenizer reads them). With label smoothing the
        hold-out loss can rise while the outputs still improve; ``"bleu"`` costs one greedy
        decoding of the hold-out per epoch.

    Attributes
    ----------
    source_tokenizer_, target_tokenizer_ : Tokenizer
        The fitted tokenizers.
    bleu_tokenize_ : str
        sacrebleu's tokenization for ``score``: ``"zh"`` or ``"13a"``.
    net_ : skorch.NeuralNet
        The trained network.

    Examples
    --------
    >>> from sknlp.datasets import make_dates
    >>> from sknlp.neural import Seq2Seq
    >>> X, y = make_dates(300, random_state=0)   # "May 24, 1971" -> "1971-05-24"
    >>> model = Seq2Seq(embedding_dim=8, hidden_size=16, max_epochs=1,
    ...                 random_state=0).fit(X, y)
    >>> [type(text).__name__ for text in model.predict(["the 3rd of March 1999"])]
    ['str']

    Trained longer, it writes the dates right: see the user guide's page on Seq2Seq.
    """

    _parameter_constraints = {
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "source_tokenizer": [Tokenizer, None],
        "target_tokenizer": [Tokenizer, None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "attention_temperature": [Interval(Real, 0, None, closed="neither"), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "decoding": [StrOptions(set(DECODINGS))],
        "beam_size": [Interval(Integral, 1, None, closed="left")],
        "length_penalty": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "top_k": [Interval(Integral, 1, None, closed="left"), None],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "scoring": [StrOptions({"loss", "bleu"})],
        "checkpoint_dir": [str, os.PathLike, None],
        **TRAINING_CONSTRAINTS,
    }
    # How a fitted model writes, not how it trains: changing them never asks for a new fit
    # (nor makes a checkpoint someone else's).
    _decoding_params = ("decoding", "beam_size", "length_penalty", "temperature", "top_k")

    def __init__(self, *, architecture="rnn-attention", source_tokenizer=None,
                 target_tokenizer=None, embedding_dim=128, hidden_size=256, n_heads=4,
                 n_layers=2, dim_feedforward=512, attention_temperature=None, dropout=0.2,
                 max_length=100, label_smoothing=0.1, decoding="greedy", beam_size=5,
                 length_penalty=0.6, temperature=1.0, top_k=None, ensemble_size=1,
                 max_epochs=10, batch_size=64, lr=2e-3, optimizer="adamw", weight_decay=0.01,
                 lr_schedule="linear", warmup_fraction=0.05, grad_clip=1.0,
                 early_stopping=False, validation_fraction=None, patience=2, bucket=True,
                 scoring="loss", random_state=None, device="cpu", precision="float32",
                 n_jobs=None, verbose=0, callbacks=None,
                 checkpoint_dir=None):
        self.architecture = architecture
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.attention_temperature = attention_temperature
        self.dropout = dropout
        self.max_length = max_length
        self.label_smoothing = label_smoothing
        self.decoding = decoding
        self.beam_size = beam_size
        self.length_penalty = length_penalty
        self.temperature = temperature
        self.top_k = top_k
        self.ensemble_size = ensemble_size
        store_training_params(self, locals())

    # -- data -----------------------------------------------------------------------------

    def _check_pairs(self, X, y):
        src = check_documents(X)
        tgt = check_documents(y, name="y")
        if len(src) != len(tgt):
            raise ValueError(f"X and y have different lengths: {len(src)} sources, "
                             f"{len(tgt)} targets")
        empty = [i for i, t in enumerate(tgt) if not t.strip()]
        if empty:
            raise ValueError(f"y holds {len(empty)} empty target(s) (first at row {empty[0]});"
                             " a model cannot learn to write nothing: drop those rows")
        return src, tgt

    def _source_ids(self, docs):
        """Right-padded source ids and lengths (the tokenizer's ``maxlen`` truncates)."""
        return compact(self.source_tokenizer_.transform(docs))

    def _target_arrays(self, texts):
        """Decoder inputs ``[start, t1..tn]`` and outputs ``[t1..tn, end]``."""
        seqs = self.target_tokenizer_.texts_to_sequences(texts)
        too_long = [i for i, s in enumerate(seqs) if len(s) > self.max_length]
        if too_long:
            i = too_long[0]
            raise ValueError(f"{len(too_long)} target(s) are longer than max_length="
                             f"{self.max_length} tokens (row {i}: {len(seqs[i])} tokens); "
                             "raise max_length or drop them")
        blank = [i for i, s in enumerate(seqs) if not s]
        if blank:
            raise ValueError(f"{len(blank)} target(s) have no token the target tokenizer "
                             f"keeps (first at row {blank[0]}: {texts[blank[0]]!r})")
        T = max(len(s) for s in seqs) + 1
        inputs = np.zeros((len(seqs), T), dtype=np.int64)
        outputs = np.zeros((len(seqs), T), dtype=np.int64)
        for i, s in enumerate(seqs):
            inputs[i, 0] = self.start_id_
            inputs[i, 1 : len(s) + 1] = s
            outputs[i, : len(s)] = s
            outputs[i, len(s)] = self.end_id_
        return inputs, outputs, np.array([len(s) + 1 for s in seqs], dtype=np.int64)

    # -- training -------------------------------------------------------------------------

    def fit(self, X, y):
        """Train on source texts ``X`` and their target texts ``y``.

        Parameters
        ----------
        X : iterable of str
            Source texts.
        y : iterable of str
            Target texts, one per source.

        Returns
        -------
        self
        """
        check_params(self)
        if self.architecture == "transformer" and self.hidden_size % self.n_heads:
            raise ValueError(f"hidden_size={self.hidden_size} (the Transformer's width) is "
                             f"not divisible by n_heads={self.n_heads}")
        if self.checkpoint_dir is not None:  # before any work: a bad folder fails at once
            check_checkpoint_dir(os.fspath(self.checkpoint_dir))
        if self.scoring == "bleu":  # before any work, as the checkpoint folder
            from ..utils._optional import import_optional

            import_optional("sacrebleu", extra="seq2seq", purpose="scoring='bleu'")
        src, tgt = self._check_pairs(X, y)
        with torch_threads(self.n_jobs):
            return self._fit(src, tgt)

    def _module_class(self):
        """The class that the module arguments of this fit (or of the loaded file) build."""
        if "member" in (getattr(self, "_module_kwargs_", None) or {}):
            return Seq2SeqEnsemble
        return Seq2SeqTransformer if self.architecture == "transformer" else Seq2SeqRNN

    def _fit(self, src, tgt):
        self.source_tokenizer_ = tokenizer_for(src, self.source_tokenizer).fit(src)
        self.target_tokenizer_ = (
            clone(self.target_tokenizer) if self.target_tokenizer is not None
            else Tokenizer(analyzer="char", lower=False, split=""))
        self.target_tokenizer_.fit(tgt)
        self.bleu_tokenize_ = "zh" if mostly_chinese(tgt) else "13a"
        self.joiner_ = "" if self.target_tokenizer_.analyzer == "char" else " "
        V = self.target_tokenizer_.vocab_size_
        self.start_id_, self.end_id_ = V, V + 1
        ids, lengths = self._source_ids(src)
        inputs, outputs, target_lengths = self._target_arrays(tgt)
        self._seed_ = int(check_random_state(self.random_state).randint(2**31 - 1))
        vocab = dict(src_vocab=max(self.source_tokenizer_.vocab_size_, 2), tgt_vocab=V + 2)
        if self.architecture == "transformer":
            self._module_kwargs_ = dict(
                **vocab, d_model=self.hidden_size, n_heads=self.n_heads,
                n_layers=self.n_layers, dim_feedforward=self.dim_feedforward,
                dropout=self.dropout, attention_temperature=self.attention_temperature)
        else:
            self._module_kwargs_ = dict(
                **vocab, embedding_dim=self.embedding_dim, hidden_size=self.hidden_size,
                attention=self.architecture == "rnn-attention", dropout=self.dropout)
        if self.ensemble_size > 1:
            self._module_kwargs_ = dict(
                member="transformer" if self.architecture == "transformer" else "rnn",
                size=self.ensemble_size, **self._module_kwargs_)
        data = {"ids": ids, "lengths": lengths, "targets": inputs,
                "target_lengths": target_lengths}
        fit_net(self, data, outputs, arrays=(ids, inputs, outputs), monitor=self._monitor())
        return self

    # -- decoding -------------------------------------------------------------------------

    def _search(self, module, memory, need_weights, generator):
        common = dict(start_id=self.start_id_, end_id=self.end_id_,
                      max_steps=self.max_length + 1, need_weights=need_weights)
        if self.decoding == "beam" and self.beam_size > 1:
            return search_beam(module, memory, beam_size=self.beam_size,
                               length_penalty=self.length_penalty, **common)
        if self.decoding == "sample":
            return search_greedy(module, memory, temperature=self.temperature,
                                 top_k=self.top_k, generator=generator, **common)
        return search_greedy(module, memory, **common)

    def _decode(self, X, keep_attention=False):
        check_is_fitted(self, "net_")
        check_params(self)
        docs = check_documents(X, allow_empty_corpus=True)
        if not docs:
            return [], []
        ids, lengths = self._source_ids(docs)
        module = self.net_.module_
        module.eval()
        generator = None
        if self.decoding == "sample":  # one draw per call, reproducible under random_state
            generator = torch.Generator(device=next(module.parameters()).device)
            generator.manual_seed(int(check_random_state(self.random_state).randint(2**31 - 1)))
        with torch.no_grad(), torch_threads(self.n_jobs):
            return decode_rows(
                module, ids, lengths,
                lambda memory: self._search(module, memory, keep_attention, generator),
                start_id=self.start_id_, end_id=self.end_id_,
                batch=256 if self.decoding != "beam" else max(256 // self.beam_size, 16))

    def _detokenize(self, ids):
        return detokenize(self.target_tokenizer_.index_to_token_, self.joiner_, ids)

    def predict(self, X):
        """Write the target text of each source (as ``decoding`` says).

        Parameters
        ----------
        X : iterable of str
            Source texts.

        Returns
        -------
        y : list of str
        """
        outputs, _ = self._decode(X)
        return [self._detokenize(o) for o in outputs]

    def attention_weights(self, X):
        """For each source: its tokens, the tokens written, and the attention matrix.

        Only for ``architecture="rnn-attention"`` and ``"transformer"`` (its last
        decoder layer's attention over the source, averaged over the heads).

        Returns
        -------
        alignments : list of (list of str, list of str, ndarray)
            Source tokens, output tokens (with ``"</s>"`` at the end when the model ended
            the text), and a matrix of shape (n_output_tokens, n_source_tokens) whose rows
            sum to 1.
        """
        if self.architecture == "rnn":
            raise ValueError("attention_weights needs architecture='rnn-attention' or "
                             "'transformer': 'rnn' reads one fixed summary of the source "
                             "and attends to nothing")
        docs = check_documents(X, allow_empty_corpus=True)
        outputs, attentions = self._decode(docs, keep_attention=True)
        src_ids, lengths = self._source_ids(docs) if docs else (None, None)
        result = []
        for i, (out, w) in enumerate(zip(outputs, attentions)):
            src = self.source_tokenizer_.index_to_token_[src_ids[i, : lengths[i]]].tolist()
            tgt = self.target_tokenizer_.index_to_token_[out].tolist() if out else []
            result.append((src, tgt + ["</s>"][: len(w) - len(tgt)], w))
        return result

    # -- scoring --------------------------------------------------------------------------

    def evaluate(self, X, y):
        """Write the outputs of ``X`` once and score them against the references ``y``.

        Returns
        -------
        scores : dict
            ``"bleu"``: corpus BLEU (Papineni et al. 2002) through sacrebleu, with its
            ``"zh"`` tokenization for Chinese targets and ``"13a"`` otherwise; ``"chrf"``:
            corpus chrF (Popović 2015); ``"length_ratio"``: the outputs' length over the
            references' in BLEU's tokens (below 1, BLEU's brevity penalty
            ``exp(1 - 1 / ratio)`` scales the score down: beam search's
            ``length_penalty`` lengthens the outputs); ``"outputs"``: the texts written.
        """
        from ..utils._optional import import_optional

        sacrebleu = import_optional("sacrebleu", extra="seq2seq",
                                    purpose="BLEU and chrF scores")
        src, refs = self._check_pairs(X, y)
        outputs = self.predict(src)
        bleu = sacrebleu.corpus_bleu(outputs, [refs], tokenize=self.bleu_tokenize_)
        return {"bleu": float(bleu.score),
                "chrf": float(sacrebleu.corpus_chrf(outputs, [refs]).score),
                "length_ratio": bleu.sys_len / max(bleu.ref_len, 1),
                "outputs": outputs}

    def score(self, X, y):
        """Corpus BLEU (0-100) of the outputs against the references ``y``, as
        :meth:`evaluate` computes it."""
        return self.evaluate(X, y)["bleu"]

    def chrf(self, X, y):
        """Corpus chrF (0-100) of the outputs against the references ``y``."""
        return self.evaluate(X, y)["chrf"]

    # -- safe persistence (sknlp.save / sknlp.load) ---------------------------------------

    def _monitor(self):
        """The history key early stopping and checkpoints watch, and whether lower is
        better."""
        return ("valid_bleu", False) if self.scoring == "bleu" else ("valid_loss", True)

    def _build(self, module_kwargs, n_rows=1, seed=0, fraction=None, checkpoint=None):
        scores = []
        if self.scoring == "bleu" and fraction:
            scores.append(("valid_bleu", HeldOutBleu(
                start_id=self.start_id_, end_id=self.end_id_, max_steps=self.max_length + 1,
                vocabulary=self.target_tokenizer_.index_to_token_, joiner=self.joiner_,
                tokenize=self.bleu_tokenize_)))
        return build_net(
            self, self._module_class(), module_kwargs, n_rows=n_rows, seed=seed,
            monitor=self._monitor(), net_class=_Seq2SeqNet, fraction=fraction,
            checkpoint=checkpoint, name="Seq2Seq", scores=scores,
            criterion=nn.CrossEntropyLoss(ignore_index=0,
                                          label_smoothing=self.label_smoothing))

    def _saved_module_class(self):
        return self._module_class()

    def _rebuild_net(self, module_kwargs):
        return self._build(module_kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
        return tags
