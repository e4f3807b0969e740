"""PyTorch modules behind the neural estimators, read bottom-up.

Each module takes flat keyword arguments (so that ``module__hidden_size`` routes through
``get_params``/``set_params``) and a batch ``(ids, lengths)``: ``ids`` is ``(B, T)`` int64
with 0 as padding, right-padded; ``lengths`` is ``(B,)``. ``forward`` returns logits
``(B, n_classes)``, or ``(logits, attention)`` with ``return_attention=True``.
"""

import functools
import math

import torch
import torch.nn.functional as F
from torch import nn

from ._pooling import make_pooling


def load_part(module, state):
    """Copy ``state`` (a part of ``module``'s weights, by name) into ``module``; every
    name must exist there with the same shape."""
    own = module.state_dict()
    for name, value in state.items():
        assert name in own and own[name].shape == value.shape, (
            f"{name} {tuple(value.shape)} does not fit the network "
            f"({tuple(own[name].shape) if name in own else 'no such weight'})")
    module.load_state_dict(state, strict=False)


def next_token(logits, *, temperature=None, top_k=None, generator=None):
    """The next token of each row of ``logits`` (B, V): the most likely one when
    ``temperature`` is None or 0, else one drawn from the softmax of ``logits / temperature``
    among the ``top_k`` most likely (all when None). Seq2Seq and LanguageModel write with it."""
    if not temperature:
        return logits.argmax(-1)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)[..., 0]


def _mask(lengths, T):
    """(B, T) bool, True on real tokens."""
    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]


def token_embedding(vocab_size, dim, weights=None, freeze=False):
    """Embedding table with id 0 as padding, optionally initialised from given vectors."""
    embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
    if weights is not None:
        weights = torch.as_tensor(weights, dtype=torch.float32)
        assert weights.shape == (vocab_size, dim), (
            f"embedding weights of shape {tuple(weights.shape)} do not match ({vocab_size}, {dim})")
        embedding.weight.data.copy_(weights)
    embedding.weight.requires_grad_(not freeze)
    return embedding


# ---------------------------------------------------------------------------------------
# LSTM


def reverse_padded(x, lengths):
    """Reverse the first ``lengths[b]`` steps of each row of a right-padded ``(B, T, ...)``
    tensor; the padding stays where it is. Its own inverse."""
    B, T = x.shape[:2]
    steps = torch.arange(T, device=x.device)[None, :].expand(B, T)  # (B, T)
    source = lengths[:, None] - 1 - steps
    source = torch.where(source >= 0, source, steps)  # padding maps to itself
    source = source.view(B, T, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, source)


@functools.cache
def _cpu_bfloat16_lstm():
    """Whether this CPU's LSTM kernel runs under bfloat16 autocast. oneDNN has none on
    some CPUs (seen on an AVX2-only AMD EPYC: "could not create a primitive descriptor
    for the LSTM forward propagation primitive"); GRUs and matrix products run there."""
    try:  # the probe's LSTM must not draw from the seeded training's random numbers
        with (torch.random.fork_rng(devices=[]), torch.no_grad(),
              torch.autocast("cpu", dtype=torch.bfloat16)):
            nn.LSTM(4, 4, batch_first=True)(torch.zeros(1, 2, 4))
        return True
    except RuntimeError:
        return False


def run_lstm(layer, x):
    """``layer(x)`` for an ``nn.LSTM``; under CPU autocast on a CPU whose LSTM kernel has
    no bfloat16 form, the layer runs in float32 and the rest of the network in bfloat16,
    so ``precision="bfloat16"`` trains on any CPU."""
    if (x.device.type == "cpu" and torch.is_autocast_enabled("cpu")
            and not _cpu_bfloat16_lstm()):
        with torch.autocast("cpu", enabled=False):
            return layer(x.float())
    return layer(x)


class MaskedLSTM(nn.Module):
    """A stack of (bi)LSTM layers over right-padded batches, exact on the real tokens.

    The forward direction runs over the padded batch as is: padding comes after the real
    tokens, so it cannot reach them. The backward direction runs over each row reversed
    within its length (``reverse_padded``), so it too starts on a real token. Outputs at
    padded positions are not meaningful; the caller masks them. This gives the same
    result as packed sequences, but as dense tensors: on CPU, PyTorch's LSTM over a packed
    batch of unequal lengths is many times slower (measured in ``bench_lstm_packing.py``),
    while dense batches take its fast path; length bucketing keeps the padding small.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bidirectional=True, dropout=0.0):
        super().__init__()
        self.dropout = dropout
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        self.layers = nn.ModuleList(
            nn.ModuleList(nn.LSTM(input_size if i == 0 else hidden_size * directions,
                                  hidden_size, batch_first=True) for _ in range(directions))
            for i in range(num_layers))
        self._register_load_state_dict_pre_hook(self._rename_packed_keys)

    @staticmethod
    def _rename_packed_keys(state_dict, prefix, *args):
        """Weights saved when the layers were one ``nn.LSTM`` (``weight_ih_l1_reverse``)
        load into the per-layer, per-direction modules (``layers.1.1.weight_ih_l0``)."""
        import re

        for key in [k for k in state_dict if k.startswith(prefix)]:
            m = re.fullmatch(r"(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?",
                             key[len(prefix):])
            if m:
                name, layer, reverse = m.groups()
                state_dict[f"{prefix}layers.{layer}.{1 if reverse else 0}.{name}_l0"] = \
                    state_dict.pop(key)

    def forward(self, x, lengths):
        """``x`` (B, T, E), ``lengths`` (B,) >= 1 -> outputs (B, T, hidden * directions)
        and the last states (B, hidden * directions): the forward direction's at the last
        real token, the backward direction's at the first."""
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = F.dropout(x, self.dropout, self.training)
            outputs = [run_lstm(layer[0], x)[0]]  # (B, T, H)
            if self.bidirectional:
                backward = run_lstm(layer[1], reverse_padded(x, lengths))[0]
                outputs.append(reverse_padded(backward, lengths))  # (B, T, H)
            x = torch.cat(outputs, dim=-1)  # (B, T, H * directions)
        last = x.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, x.shape[2]))[:, 0]
        if self.bidirectional:
            H = x.shape[2] // 2
            last = torch.cat([last[:, :H], x[:, 0, H:]], dim=1)  # (B, 2H)
        return x, last


class LSTMModule(nn.Module):
    """Embedding -> masked (bi)LSTM (see ``MaskedLSTM``) -> pooling -> linear head.

    Pooling comes from the registry of ``_pooling.py``; ``"last"`` is this encoder's summary.
    """

    def __init__(self, *, vocab_size, n_classes, embedding_dim=128, hidden_size=128,
                 num_layers=1, bidirectional=True, dropout=0.2, pooling="max",
                 embedding_weights=None, freeze_embeddings=False, init_state=None):
        super().__init__()
        self.pooling = pooling
        self.embedding = token_embedding(vocab_size, embedding_dim, embedding_weights,
                                         freeze_embeddings)
        self.lstm = MaskedLSTM(embedding_dim, hidden_size, num_layers=num_layers,
                               bidirectional=bidirectional,
                               dropout=dropout if num_layers > 1 else 0.0)
        out_size = hidden_size * (2 if bidirectional else 1)
        self.pool = make_pooling(pooling, out_size, summary="last")
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(out_size, n_classes)
        self._register_load_state_dict_pre_hook(self._rename_attention_keys)
        if init_state is not None:  # a language model's weights (fine-tuning)
            load_part(self, init_state)

    @staticmethod
    def _rename_attention_keys(state_dict, prefix, *args):
        """Weights saved when attention pooling was the ``attention`` submodule load into
        ``pool``."""
        old = f"{prefix}attention."
        for key in [k for k in state_dict if k.startswith(old)]:
            state_dict[f"{prefix}pool.{key[len(old):]}"] = state_dict.pop(key)

    def forward(self, ids, lengths, return_attention=False):
        B, T = ids.shape
        x = self.dropout(self.embedding(ids))  # (B, T, E)
        # An empty document is read as one padding token (a zero vector).
        H, last = self.lstm(x, lengths.clamp(min=1))  # (B, T, C), (B, C)
        pooled, alpha = self.pool(H, _mask(lengths, T), summary=last)  # (B, C), (B, T)
        logits = self.head(self.dropout(pooled))  # (B, n_classes)
        return (logits, alpha) if return_attention else logits


# ---------------------------------------------------------------------------------------
# Transformer encoder


def sinusoidal_positions(max_len, d_model):
    """The fixed positional encodings of Vaswani et al. (2017): (max_len, d_model)."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                    * (-math.log(10000.0) / d_model))
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div[: d_model // 2])
    return pe


def attend(q, k, v, keep, temperature, dropout=0.0, return_attention=False):
    """Scaled dot-product attention ``softmax(q k^T / temperature) v`` over heads.

    ``q`` is (B, nh, T, dk), ``k`` and ``v`` (B, nh, S, dk); ``keep`` is a bool mask that
    broadcasts to (B, nh, T, S), True where a query may look at a key. Returns the output
    (B, nh, T, dk) and, with ``return_attention``, the weights (B, nh, T, S) (else None).
    """
    if not return_attention:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=dropout,
                                              scale=1.0 / temperature), None
    att = (q @ k.transpose(-2, -1)) / temperature  # (B, nh, T, S)
    att = torch.nan_to_num(torch.softmax(att.masked_fill(~keep, float("-inf")), dim=-1))
    return att @ v, att


class _MultiHead(nn.Module):
    """What the multi-head attentions share: ``n_heads`` heads of ``d_k = d_model /
    n_heads`` dimensions, the temperature, dropout on the weights, the output projection."""

    def __init__(self, d_model, n_heads, dropout=0.1, temperature=None):
        super().__init__()
        assert d_model % n_heads == 0, f"d_model={d_model} is not divisible by n_heads={n_heads}"
        self.n_heads = n_heads
        self.d_k = d_model // n_heads
        self.temperature = float(temperature) if temperature else math.sqrt(self.d_k)
        self.proj = nn.Linear(d_model, d_model)
        self.dropout = dropout


def feed_forward(d_model, dim_feedforward):
    """The position-wise feed-forward sublayer of a Transformer block."""
    return nn.Sequential(nn.Linear(d_model, dim_feedforward), nn.GELU(),
                         nn.Linear(dim_feedforward, d_model))


class MultiHeadSelfAttention(_MultiHead):
    """Multi-head scaled dot-product self-attention with a key-padding mask.

    ``softmax(Q K^T / tau) V`` per head, where the temperature ``tau`` defaults to
    ``sqrt(d_k)`` (Vaswani et al., "Attention Is All You Need", NeurIPS 2017) and can be set:
    a larger ``tau`` flattens the attention, a smaller one sharpens it.
    """

    def __init__(self, d_model, n_heads, dropout=0.1, temperature=None):
        super().__init__(d_model, n_heads, dropout, temperature)
        self.qkv = nn.Linear(d_model, 3 * d_model)

    def forward(self, x, mask, return_attention=False):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # 3 x (B, T, C)
        q, k, v = (t.view(B, T, self.n_heads, self.d_k).transpose(1, 2) for t in (q, k, v))
        # (B, nh, T, dk) each. ``mask`` (B, T): which keys may be attended to; (B or 1, T, T):
        # which keys each query may attend to (a causal mask, padding included)
        keep = mask[:, None, None, :] if mask.dim() == 2 else mask[:, None]
        y, att = attend(q, k, v, keep, self.temperature,
                        self.dropout if self.training else 0.0, return_attention)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.proj(y), att


class CrossAttention(_MultiHead):
    """Multi-head attention of queries ``x`` (B, T, C) over a memory (B, S, C), with the
    same temperature as :class:`MultiHeadSelfAttention`; ``keep`` (B, T or 1, S) says which
    memory positions each query may look at (padding, or the future under a causal mask).

    The memory's keys and values (:meth:`keys_values`) can be computed once and reused by
    :meth:`attend`, as a decoder does at each step of writing.
    """

    def __init__(self, d_model, n_heads, dropout=0.1, temperature=None):
        super().__init__(d_model, n_heads, dropout, temperature)
        self.q = nn.Linear(d_model, d_model)
        self.kv = nn.Linear(d_model, 2 * d_model)

    def _heads(self, x):
        B, T, _ = x.shape
        return x.view(B, T, self.n_heads, self.d_k).transpose(1, 2)  # (B, nh, T, dk)

    def keys_values(self, memory):
        """Keys and values of ``memory`` (B, S, C): two (B, nh, S, dk)."""
        k, v = self.kv(memory).split(memory.shape[-1], dim=2)
        return self._heads(k), self._heads(v)

    def attend(self, x, k, v, keep, return_attention=False):
        """Attention of ``x`` (B, T, C) over keys and values from :meth:`keys_values`;
        ``keep`` broadcasts to (B, T, S)."""
        B, T, C = x.shape
        y, att = attend(self._heads(self.q(x)), k, v, keep[:, None], self.temperature,
                        self.dropout if self.training else 0.0, return_attention)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C)), att

    def forward(self, x, memory, keep, return_attention=False):
        return self.attend(x, *self.keys_values(memory), keep, return_attention)


class EncoderBlock(nn.Module):
    """Pre-norm residual sublayers: ``x + attn(ln(x))`` then ``x + mlp(ln(x))``
    (the pre-LN placement of Xiong et al., ICML 2020, which trains without warm-up)."""

    def __init__(self, d_model, n_heads, dim_feedforward, dropout, temperature):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, dropout, temperature)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = feed_forward(d_model, dim_feedforward)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, mask, return_attention=False):
        a, att = self.attn(self.ln1(x), mask, return_attention)
        x = x + self.drop(a)  # (B, T, C)
        x = x + self.drop(self.mlp(self.ln2(x)))  # (B, T, C)
        return x, att


class TransformerModule(nn.Module):
    """Token + position embeddings -> encoder blocks -> pooling -> head.

    Pooling comes from the registry of ``_pooling.py``; ``"cls"`` is this encoder's summary,
    for which a learned [CLS] vector is put before the document.
    """

    def __init__(self, *, vocab_size, n_classes, max_len, d_model=128, n_heads=4, n_layers=2,
                 dim_feedforward=256, dropout=0.1, positional="sinusoidal", pooling="cls",
                 attention_temperature=None, embedding_weights=None, freeze_embeddings=False,
                 init_state=None, embedding_scale=None):
        super().__init__()
        assert positional in ("sinusoidal", "learned"), f"unknown positional {positional!r}"
        self.pooling = pooling
        self.d_model = d_model
        self.embedding = token_embedding(vocab_size, d_model, embedding_weights,
                                         freeze_embeddings)
        n_pos = max_len + 1  # room for [CLS]
        if positional == "sinusoidal":
            self.register_buffer("positions", sinusoidal_positions(n_pos, d_model),
                                 persistent=False)
            self.pos_embedding = None
        else:
            self.pos_embedding = nn.Embedding(n_pos, d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model)) if pooling == "cls" else None
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([
            EncoderBlock(d_model, n_heads, dim_feedforward, dropout, attention_temperature)
            for _ in range(n_layers)
        ])
        self.ln_f = nn.LayerNorm(d_model)
        self.pool = make_pooling(pooling, d_model, summary="cls")
        self.head = nn.Linear(d_model, n_classes)
        if embedding_weights is None:  # scaled by sqrt(d_model) in forward: unit variance
            nn.init.normal_(self.embedding.weight, std=d_model**-0.5)
            self.embedding.weight.data[0] = 0.0
        # Token embeddings are scaled by sqrt(d_model) (Vaswani et al., section 3.4) so that
        # they are not drowned by the unit-amplitude position encodings; Word2Vec vectors
        # are used at their own scale. ``embedding_scale`` (given by the estimator, kept in
        # its module arguments) says which, also when a saved model is rebuilt without the
        # vectors.
        if embedding_scale is None:
            embedding_scale = math.sqrt(d_model) if embedding_weights is None else 1.0
        self.embedding_scale = embedding_scale
        if init_state is not None:  # a language model's weights (fine-tuning)
            load_part(self, init_state)

    def forward(self, ids, lengths, return_attention=False):
        B, T = ids.shape
        x = self.embedding(ids) * self.embedding_scale  # (B, T, C)
        mask = _mask(lengths, T)  # (B, T)
        if self.cls is not None:
            x = torch.cat([self.cls.expand(B, 1, self.d_model), x], dim=1)  # (B, T+1, C)
            mask = torch.cat([torch.ones(B, 1, dtype=torch.bool, device=ids.device), mask], 1)
        n = x.shape[1]
        assert n <= (self.positions.shape[0] if self.pos_embedding is None
                     else self.pos_embedding.num_embeddings), f"sequence of {n} is too long"
        pos = (self.positions[:n] if self.pos_embedding is None
               else self.pos_embedding.weight[:n])  # (n, C)
        x = self.drop(x + pos)  # (B, n, C)
        atts = []
        for block in self.blocks:
            x, att = block(x, mask, return_attention)
            atts.append(att)
        x = self.ln_f(x)  # (B, n, C)
        if self.cls is not None:
            pooled, alpha = self.pool(x[:, 1:], mask[:, 1:], summary=x[:, 0])  # (B, C)
        else:
            pooled, alpha = self.pool(x, mask)  # (B, C), (B, T) or None
        logits = self.head(pooled)
        if not return_attention:
            return logits
        if alpha is not None:  # attention pooling: its weights over the tokens
            return logits, alpha
        last = atts[-1].mean(1)  # (B, n, n), averaged over heads
        if self.cls is not None:
            weights = last[:, 0, 1:]  # what [CLS] attends to, (B, T)
        else:
            m = mask.to(last.dtype)
            weights = (last * m[:, :, None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1)
        return logits, weights
