"""Pooling: from an encoder's hidden states to one vector per document, in one registry.

Every encoder (the LSTM, the Transformer) pools through :func:`make_pooling`, and every
estimator takes its ``pooling`` options from :func:`pooling_options`, so a new mode is one
entry here. A pooling module maps ``H`` (B, T, C), ``mask`` (B, T) bool (True on real
tokens) and the encoder's own ``summary`` (B, C) to ``(pooled (B, C), weights)``, where
``weights`` (B, T) is the attention over the tokens for the modes that have one, else None.

The ``summary`` modes return the vector an encoder makes for the whole document: the last
states of a recurrent encoder (``"last"``) or the output at a prepended [CLS] token
(``"cls"``, Devlin et al., 2019). An encoder names the one summary it has.
"""

import torch
from torch import nn


def masked_mean(H, mask):
    m = mask.unsqueeze(-1).to(H.dtype)  # (B, T, 1)
    return (H * m).sum(1) / m.sum(1).clamp(min=1.0)  # (B, C)


def masked_max(H, mask):
    out = H.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(1).values  # (B, C)
    return torch.where(torch.isfinite(out), out, torch.zeros_like(out))  # empty rows -> 0


class MeanPooling(nn.Module):
    """Average of the hidden states of the real tokens."""

    def forward(self, H, mask, summary=None):
        return masked_mean(H, mask), None


class MaxPooling(nn.Module):
    """Element-wise maximum over the real tokens (Collobert et al., JMLR 2011)."""

    def forward(self, H, mask, summary=None):
        return masked_max(H, mask), None


class SummaryPooling(nn.Module):
    """The encoder's own summary vector (last states, or the [CLS] output)."""

    def forward(self, H, mask, summary=None):
        assert summary is not None, "this encoder makes no summary vector"
        return summary, None


class AdditiveAttention(nn.Module):
    """Additive attention pooling over hidden states.

    ``score_t = v^T tanh(W h_t + b)``, ``alpha = softmax(score)`` over real tokens,
    output ``sum_t alpha_t h_t``: the additive scoring of Bahdanau, Cho & Bengio,
    "Neural Machine Translation by Jointly Learning to Align and Translate" (ICLR 2015),
    with a learned query ``v`` in place of a decoder state, as in Yang et al.,
    "Hierarchical Attention Networks for Document Classification" (NAACL 2016).
    """

    def __init__(self, hidden_size, attention_size):
        super().__init__()
        self.proj = nn.Linear(hidden_size, attention_size)
        self.query = nn.Linear(attention_size, 1, bias=False)

    def forward(self, H, mask, summary=None):
        scores = self.query(torch.tanh(self.proj(H))).squeeze(-1)  # (B, T)
        scores = scores.masked_fill(~mask, float("-inf"))
        alpha = torch.softmax(scores, dim=1)  # (B, T)
        alpha = torch.nan_to_num(alpha)  # a row without tokens attends to nothing
        return (alpha.unsqueeze(-1) * H).sum(1), alpha  # (B, C), (B, T)


#: name -> (factory taking the hidden size, one-line description)
POOLINGS = {
    "max": (lambda size: MaxPooling(), "element-wise maximum over the tokens"),
    "mean": (lambda size: MeanPooling(), "average over the tokens"),
    "attention": (lambda size: AdditiveAttention(size, size),
                  "additive attention: a learned weight per token (heatmaps)"),
}
#: the summary modes, by the encoder that makes them
SUMMARIES = {"last": "the last states of the recurrent layers",
             "cls": "the output at a [CLS] token put before the document"}


def pooling_options(summary):
    """The ``pooling`` values of an encoder whose summary mode is ``summary``."""
    return set(POOLINGS) | {summary}


def make_pooling(name, size, summary):
    """The pooling module ``name`` for hidden states of ``size``, in an encoder whose
    summary mode is ``summary``."""
    assert name in pooling_options(summary), f"unknown pooling {name!r}"
    return SummaryPooling() if name == summary else POOLINGS[name][0](size)
