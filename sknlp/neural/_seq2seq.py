"""Seq2Seq: text in, text out, with an encoder-decoder RNN (optionally with attention).

The module reads bottom-up: the encoder, the attention, one decoder step, the model. Ids
are right-padded with 0; the target vocabulary adds a start id ``V`` and an end id
``V + 1`` after the target tokenizer's ``V`` ids.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from torch import nn

from ..preprocessing import Tokenizer
from ..utils._validation import check_documents
from ._engine import (
    TRAINING_CONSTRAINTS,
    build_net,
    check_params,
    net_state,
    restore_net,
    seeded,
    torch_threads,
    train,
    validation_share,
)
from ._modules import _mask
from ._training import TrainingDiverged, compact

ARCHITECTURES = ("rnn", "rnn-attention")


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
        """Encoder states (B, S, 2H), their mask (B, S), the summary c (B, 2H), the first
        decoder state (B, H) and the attention keys."""
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
        return states, mask, c, torch.tanh(self.bridge(c)), keys

    def step(self, prev, s, memory):
        """One decoder step from the previous target ids ``prev`` (B,) and state ``s``
        (B, H): logits (B, V), the new state, and the attention weights (B, S) or None."""
        states, mask, c, _, keys = memory
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
        s = memory[3]
        out = []
        for t in range(targets.shape[1]):
            logits, s, _ = self.step(targets[:, t], s, memory)
            out.append(logits)
        return torch.stack(out, 1)


class _Seq2SeqNet(NeuralNet):
    """skorch net over sequence targets: the loss of every target position but padding."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = y_true.to(y_pred.device)
        return self.criterion_(y_pred.transpose(1, 2), y_true)  # (B, V, T) vs (B, T)


def _is_chinese_like(texts):
    """Whether most of the characters of ``texts`` are CJK ideographs (no spaces between
    words): such targets read best as characters."""
    sample = "".join(texts[:2000])
    letters = [ch for ch in sample if not ch.isspace()]
    cjk = sum("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in letters)
    return bool(letters) and cjk / len(letters) > 0.3


class Seq2Seq(BaseEstimator):
    """Text in, text out: an encoder-decoder RNN that learns to write ``y`` from ``X``.

    A bidirectional GRU reads the source; a GRU decoder writes the target token by token,
    from one fixed summary of the source (``architecture="rnn"``; Sutskever et al. 2014,
    Cho et al. 2014) or with additive attention over every source position
    (``"rnn-attention"``; Bahdanau et al. 2015). Trained with teacher forcing and label
    smoothing on batches bucketed by source and target length; decoded greedily.

    ``score`` is corpus BLEU (Papineni et al. 2002) through ``sacrebleu``, with its
    Chinese tokenization for Chinese targets, so ``GridSearchCV`` and ``cross_val_score``
    tune and score the model as they are.

    Parameters
    ----------
    architecture : {"rnn", "rnn-attention"}, default="rnn-attention"
        Fixed summary ``c`` or attention.
    source_tokenizer : Tokenizer or None, default=None
        Tokenizes the source; default ``Tokenizer(num_words=30000, maxlen=None)``
        (lowercased words, no sentence truncated). Its ``maxlen`` caps the source length.
    target_tokenizer : Tokenizer or None, default=None
        Tokenizes the target; default ``Tokenizer(analyzer="char", lower=False,
        split="")``: characters, spaces included, keep the target's case, punctuation and
        spacing, and are how Chinese reads best. The output joins tokens with nothing
        (characters) or with spaces (words: a word tokenizer drops punctuation, so its
        output has none).
    embedding_dim : int, default=128
        Token embedding size, source and target.
    hidden_size : int, default=256
        Size of the decoder's state (each encoder direction has as many).
    dropout : float, default=0.2
        Dropout on embeddings and the decoder's output layer.
    max_length : int, default=100
        Longest target, in tokens, that training accepts and decoding writes.
    label_smoothing : float, default=0.1
        Label smoothing of the cross-entropy (Szegedy et al. 2016).
    max_epochs, batch_size, lr, optimizer, weight_decay, lr_schedule, warmup_fraction, \
grad_clip, early_stopping, validation_fraction, patience, bucket, random_state, device, \
n_jobs, verbose, callbacks
        Training settings, as in :class:`~sknlp.neural.LSTMClassifier`. Early stopping
        watches the hold-out's loss.

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
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        **TRAINING_CONSTRAINTS,
    }

    def __init__(self, *, architecture="rnn-attention", source_tokenizer=None,
                 target_tokenizer=None, embedding_dim=128, hidden_size=256, dropout=0.2,
                 max_length=100, label_smoothing=0.1, max_epochs=10, batch_size=64, lr=2e-3,
                 optimizer="adamw", weight_decay=0.01, lr_schedule="linear",
                 warmup_fraction=0.05, grad_clip=1.0, early_stopping=False,
                 validation_fraction=None, patience=2, bucket=True, random_state=None,
                 device="cpu", n_jobs=None, verbose=0, callbacks=None):
        self.architecture = architecture
        self.source_tokenizer = source_tokenizer
        self.target_tokenizer = target_tokenizer
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.max_length = max_length
        self.label_smoothing = label_smoothing
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.warmup_fraction = warmup_fraction
        self.grad_clip = grad_clip
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.bucket = bucket
        self.random_state = random_state
        self.device = device
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.callbacks = callbacks

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
        src, tgt = self._check_pairs(X, y)
        with torch_threads(self.n_jobs):
            return self._fit(src, tgt)

    def _fit(self, src, tgt):
        self.source_tokenizer_ = (clone(self.source_tokenizer) if self.source_tokenizer
                                  is not None else Tokenizer(num_words=30000, maxlen=None)).fit(src)
        self.target_tokenizer_ = (
            clone(self.target_tokenizer) if self.target_tokenizer is not None
            else Tokenizer(analyzer="char", lower=False, split=""))
        self.target_tokenizer_.fit(tgt)
        self.bleu_tokenize_ = "zh" if _is_chinese_like(tgt) else "13a"
        self.joiner_ = "" if self.target_tokenizer_.analyzer == "char" else " "
        V = self.target_tokenizer_.vocab_size_
        self.start_id_, self.end_id_ = V, V + 1
        ids, lengths = self._source_ids(src)
        inputs, outputs, target_lengths = self._target_arrays(tgt)
        self._seed_ = int(check_random_state(self.random_state).randint(2**31 - 1))
        self._module_kwargs_ = dict(
            src_vocab=max(self.source_tokenizer_.vocab_size_, 2), tgt_vocab=V + 2,
            embedding_dim=self.embedding_dim, hidden_size=self.hidden_size,
            attention=self.architecture == "rnn-attention", dropout=self.dropout)
        data = {"ids": ids, "lengths": lengths, "targets": inputs,
                "target_lengths": target_lengths}
        with seeded(self._seed_):
            self.net_ = build_net(
                self, Seq2SeqRNN, self._module_kwargs_, n_rows=len(src), seed=self._seed_,
                monitor=("valid_loss", True), net_class=_Seq2SeqNet,
                criterion=nn.CrossEntropyLoss(ignore_index=0,
                                              label_smoothing=self.label_smoothing),
                fraction=validation_share(self), name="Seq2Seq")
            try:
                self.interrupted_ = train(self.net_, data, outputs)
            except TrainingDiverged:
                for name in [k for k in vars(self) if k.endswith("_")]:
                    delattr(self, name)  # a diverged network is not a fitted model
                raise
        return self

    # -- decoding -------------------------------------------------------------------------

    def _decode(self, X, keep_attention=False):
        check_is_fitted(self, "net_")
        docs = check_documents(X, allow_empty_corpus=True)
        if not docs:
            return [], []
        ids, lengths = self._source_ids(docs)
        order = np.argsort(lengths, kind="stable")
        module = self.net_.module_
        module.eval()
        device = next(module.parameters()).device
        outputs, attentions = [None] * len(docs), [None] * len(docs)
        with torch.no_grad(), torch_threads(self.n_jobs):
            for start in range(0, len(docs), 256):
                rows = order[start : start + 256]
                L = max(int(lengths[rows].max()), 1)
                b_ids = torch.as_tensor(ids[rows, :L], device=device)
                memory = module.encode(b_ids, torch.as_tensor(lengths[rows], device=device))
                s = memory[3]
                prev = torch.full((len(rows),), self.start_id_, dtype=torch.long,
                                  device=device)
                done = torch.zeros(len(rows), dtype=torch.bool, device=device)
                tokens, weights = [], []
                for _ in range(self.max_length + 1):
                    logits, s, w = module.step(prev, s, memory)
                    logits[:, : 1] = float("-inf")  # never write padding or the start id
                    logits[:, self.start_id_] = float("-inf")
                    prev = logits.argmax(-1)
                    prev = torch.where(done, torch.zeros_like(prev), prev)
                    tokens.append(prev)
                    if keep_attention and w is not None:
                        weights.append(w)
                    done |= prev == self.end_id_
                    if bool(done.all()):
                        break
                tokens = torch.stack(tokens, 1).cpu().numpy()  # (B, T)
                w_all = torch.stack(weights, 1).cpu().numpy() if weights else None
                for j, row in enumerate(rows):
                    seq = tokens[j].tolist()
                    n = seq.index(self.end_id_) if self.end_id_ in seq else len(seq)
                    outputs[row] = [t for t in seq[:n] if 0 < t < self.start_id_]
                    if w_all is not None:
                        attentions[row] = w_all[j, : n + 1, : lengths[row]]
        return outputs, attentions

    def _detokenize(self, ids):
        tokens = self.target_tokenizer_.index_to_token_[ids].tolist() if ids else []
        return self.joiner_.join(tokens).strip()

    def predict(self, X):
        """Write the target text of each source (greedy decoding).

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

        Only for ``architecture="rnn-attention"``.

        Returns
        -------
        alignments : list of (list of str, list of str, ndarray)
            Source tokens, output tokens (with ``"</s>"`` at the end when the model ended
            the text), and a matrix of shape (n_output_tokens, n_source_tokens) whose rows
            sum to 1.
        """
        if self.architecture != "rnn-attention":
            raise ValueError("attention_weights needs architecture='rnn-attention'; "
                             f"this model is {self.architecture!r}")
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

    def _sacrebleu(self):
        from ..utils._optional import import_optional

        return import_optional("sacrebleu", extra="seq2seq", purpose="BLEU and chrF scores")

    def score(self, X, y):
        """Corpus BLEU of the predictions against the references ``y`` (0-100).

        sacrebleu's ``"zh"`` tokenization for Chinese targets, ``"13a"`` otherwise.
        """
        src, refs = self._check_pairs(X, y)
        hyps = self.predict(src)
        return float(self._sacrebleu().corpus_bleu(hyps, [refs],
                                                   tokenize=self.bleu_tokenize_).score)

    def chrf(self, X, y):
        """Corpus chrF (Popović 2015) of the predictions against the references ``y``."""
        src, refs = self._check_pairs(X, y)
        return float(self._sacrebleu().corpus_chrf(self.predict(src), [refs]).score)

    # -- safe persistence (sknlp.save / sknlp.load) ---------------------------------------

    def _build(self, module_kwargs):
        return build_net(
            self, Seq2SeqRNN, module_kwargs, n_rows=1, seed=0, monitor=("valid_loss", True),
            net_class=_Seq2SeqNet, fraction=None, name="Seq2Seq",
            criterion=nn.CrossEntropyLoss(ignore_index=0,
                                          label_smoothing=self.label_smoothing))

    def _persist_state(self):
        state = dict(vars(self))
        state["callbacks"] = None  # training-time hooks are not kept (nor needed to predict)
        net = state.pop("net_", None)
        if net is not None:
            state["__net__"] = net_state(net, self._module_kwargs_)
        return state

    def _persist_restore(self, state):
        net = state.pop("__net__", None)
        self.__dict__.update(state)
        if net is not None:
            self.net_ = restore_net(self, Seq2SeqRNN, net, self._build)

    @property
    def history_(self):
        """Per-epoch training record (losses, durations)."""
        check_is_fitted(self, "net_")
        return self.net_.history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
        return tags
