"""LanguageModel: learn a language from unlabelled text, as ELMo, BERT and GPT do.

The module reads bottom-up: the output layer over the vocabulary, the network (a two-way
LSTM language model or a Transformer encoder), the objectives, then the estimator. Ids are
right-padded with 0; a masked model adds a ``[MASK]`` id after the tokenizer's ids.
"""

import math
import os
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch import nn

from ..preprocessing import Tokenizer
from ..preprocessing._tokenizer import tokenizer_for
from ..utils._validation import check_documents
from ._engine import (
    TRAINING_CONSTRAINTS,
    SavedNetMixin,
    build_net,
    check_params,
    fit_net,
    store_training_params,
    torch_threads,
    word_vectors,
)
from ._modules import (
    EncoderBlock,
    _mask,
    next_token,
    reverse_padded,
    run_lstm,
    sinusoidal_positions,
    token_embedding,
)
from ._training import BatchIterator, MixedPrecisionNet, check_checkpoint_dir

ARCHITECTURES = ("lstm", "transformer")
OBJECTIVES = {"lstm": ("bidirectional",), "transformer": ("masked", "causal")}
MASK_TOKEN = "[MASK]"


def _check_number(name, value, low, integral=True):
    """A clear error for a method argument that is not a number >= ``low``."""
    kind = Integral if integral else Real
    if isinstance(value, bool) or not isinstance(value, kind) or value < low:
        raise ValueError(f"{name} should be {'an integer' if integral else 'a number'} "
                         f">= {low}, got {value!r}")


# -- the output layer ----------------------------------------------------------------------


def adaptive_cutoffs(vocab_size):
    """Cluster bounds of the adaptive softmax: the 2,000 most frequent tokens in the head,
    then up to 10,000, then the rest (ids are ordered by frequency)."""
    return [c for c in (2000, 10000) if c < vocab_size - 1]


class VocabularyOutput(nn.Module):
    """Log-probabilities over the vocabulary from hidden states.

    ``"adaptive"``: the adaptive softmax of Grave et al. (2017, "Efficient softmax
    approximation for GPUs"): frequent tokens in a full-width head, rare ones in clusters of
    smaller width that are computed only for the tokens that fall in them, so the cost per
    token grows far slower than the vocabulary; exact log-probabilities all the same.
    ``"full"``: one linear layer and a softmax over every token.
    """

    def __init__(self, in_features, vocab_size, kind="adaptive"):
        super().__init__()
        cutoffs = adaptive_cutoffs(vocab_size) if kind == "adaptive" else []
        # Each cluster is div_value times narrower than the one before (4, as Grave et al.),
        # but never under 8 dimensions for small models.
        div = min(4.0, max(1.0, (in_features / 8) ** (1 / max(len(cutoffs), 1))))
        self.adaptive = (nn.AdaptiveLogSoftmaxWithLoss(in_features, vocab_size, cutoffs,
                                                       div_value=div) if cutoffs else None)
        self.linear = nn.Linear(in_features, vocab_size) if self.adaptive is None else None

    def nll(self, h, targets):
        """Negative log-likelihood (N,) of ``targets`` (N,) from states ``h`` (N, C)."""
        if self.adaptive is not None:
            return -self.adaptive(h, targets).output
        return F.cross_entropy(self.linear(h), targets, reduction="none")

    def log_prob(self, h):
        """Log-probabilities (N, V) of every token."""
        if self.adaptive is not None:
            return self.adaptive.log_prob(h)
        return F.log_softmax(self.linear(h), -1)


# -- the network ---------------------------------------------------------------------------


class LanguageModelModule(nn.Module):
    """The network of a :class:`LanguageModel`.

    ``architecture="lstm"``: ELMo's biLM (Peters et al. 2018): token embeddings shared by a
    forward LSTM language model and a backward one (each a stack of ``n_layers``), and one
    output layer; its parts have the names and shapes of
    :class:`~sknlp.neural._modules.LSTMModule`'s for one layer, which is what fine-tuning
    copies. ``"transformer"``: a Transformer encoder with the names of
    :class:`~sknlp.neural._modules.TransformerModule`, run with a causal mask (GPT) or over
    a sequence with masked tokens (BERT).
    """

    def __init__(self, *, vocab_size, architecture="lstm", objective="bidirectional",
                 embedding_dim=128, hidden_size=128, d_model=128, n_heads=4, n_layers=1,
                 dim_feedforward=256, dropout=0.1, max_len=128, softmax="adaptive",
                 mask_fraction=0.15, mask_id=None, embedding_weights=None,
                 freeze_embeddings=False):
        super().__init__()
        self.architecture = architecture
        self.objective = objective
        self.mask_fraction = mask_fraction
        self.mask_id = mask_id
        self.drop = nn.Dropout(dropout)
        if architecture == "lstm":
            E, H = embedding_dim, hidden_size
            self.embedding = token_embedding(vocab_size, E, embedding_weights,
                                             freeze_embeddings)
            self.forward_layers = nn.ModuleList(
                nn.LSTM(E if i == 0 else H, H, batch_first=True) for i in range(n_layers))
            self.backward_layers = nn.ModuleList(
                nn.LSTM(E if i == 0 else H, H, batch_first=True) for i in range(n_layers))
            width = H
        else:
            self.d_model = d_model
            self.embedding = token_embedding(vocab_size, d_model, embedding_weights,
                                             freeze_embeddings)
            if embedding_weights is None:
                nn.init.normal_(self.embedding.weight, std=d_model**-0.5)  # unit once scaled
                self.embedding.weight.data[0] = 0.0
            else:  # Word2Vec vectors enter at their own scale, as in TransformerModule
                self.embedding.weight.data /= math.sqrt(d_model)
            self.register_buffer("positions", sinusoidal_positions(max_len, d_model),
                                 persistent=False)
            self.blocks = nn.ModuleList(EncoderBlock(d_model, n_heads, dim_feedforward,
                                                     dropout, None) for _ in range(n_layers))
            self.ln_f = nn.LayerNorm(d_model)
            width = d_model
        self.output = VocabularyOutput(width, vocab_size, softmax)

    # the states of every layer

    def lstm_states(self, ids, lengths):
        """The embeddings (B, T, E) and each layer's forward and backward states, each
        (B, T, H); the backward LSTM reads each row reversed within its length."""
        x = self.embedding(ids)
        layers, f, b = [], self.drop(x), self.drop(reverse_padded(x, lengths))
        for i, (fwd, bwd) in enumerate(zip(self.forward_layers, self.backward_layers)):
            if i > 0:
                f, b = self.drop(f), self.drop(b)
            f, b = run_lstm(fwd, f)[0], run_lstm(bwd, b)[0]
            layers.append((f, reverse_padded(b, lengths)))
        return x, layers

    def transformer_states(self, ids, lengths):
        """Each block's output (B, T, C), the last one normalised."""
        B, T = ids.shape
        keep = _mask(lengths, T)  # (B, T)
        if self.objective == "causal":
            keep = keep[:, None, :] & torch.ones(T, T, dtype=torch.bool,
                                                 device=ids.device).tril()[None]
        x = self.drop(self.embedding(ids) * math.sqrt(self.d_model) + self.positions[:T])
        states = []
        for block in self.blocks:
            x, _ = block(x, keep)
            states.append(x)
        states[-1] = self.ln_f(states[-1])
        return states

    # the objectives

    def mask_tokens(self, ids, lengths, generator=None):
        """BERT's corruption (Devlin et al. 2019): ``mask_fraction`` of the tokens (at least
        one per row) are chosen; 80 % of them become ``[MASK]``, 10 % a random token, 10 %
        stay. Returns the corrupted ids and the chosen positions (B, T) bool."""
        real = _mask(lengths, ids.shape[1])
        u = torch.rand(ids.shape, generator=generator, device=ids.device)
        u = u.masked_fill(~real, 2.0)
        chosen = real & (u < self.mask_fraction)
        first = u.argmin(1)  # each row's most likely pick, so no row is left without one
        chosen[torch.arange(len(ids), device=ids.device), first] = True
        how = torch.rand(ids.shape, generator=generator, device=ids.device)
        random_ids = torch.randint(2, self.mask_id, ids.shape, generator=generator,
                                   device=ids.device)
        corrupted = torch.where(chosen & (how < 0.8), torch.full_like(ids, self.mask_id), ids)
        corrupted = torch.where(chosen & (how >= 0.8) & (how < 0.9), random_ids, corrupted)
        return corrupted, chosen

    def predictions(self, ids, lengths, generator=None):
        """The states that predict a token and the tokens they predict: (N, C), (N,)."""
        T = ids.shape[1]
        real = _mask(lengths, T)
        if self.architecture == "lstm":
            _, layers = self.lstm_states(ids, lengths)
            f, b = layers[-1]
            nxt = real[:, 1:]  # position t predicts t + 1 (forward), t + 1 predicts t (back)
            h = torch.cat([self.drop(f[:, :-1][nxt]), self.drop(b[:, 1:][nxt])])
            return h, torch.cat([ids[:, 1:][nxt], ids[:, :-1][nxt]])
        if self.objective == "causal":
            h = self.transformer_states(ids, lengths)[-1]
            nxt = real[:, 1:]
            return self.drop(h[:, :-1][nxt]), ids[:, 1:][nxt]
        corrupted, chosen = self.mask_tokens(ids, lengths, generator)
        h = self.transformer_states(corrupted, lengths)[-1]
        return self.drop(h[chosen]), ids[chosen]

    def nll(self, ids, lengths, generator=None):
        """The negative log-likelihood of every predicted token (N,)."""
        h, targets = self.predictions(ids, lengths, generator)
        return self.output.nll(h, targets)

    def forward(self, ids, lengths):
        """The training loss: mean negative log-likelihood per predicted token."""
        nll = self.nll(ids, lengths)
        return nll.mean() if len(nll) else nll.sum()

    def features(self, ids, lengths):
        """Per token, what ``transform`` pools: for the biLM, the embeddings and every
        layer's forward and backward states side by side (ELMo's layers); for the
        Transformer, its last layer. (B, T, D)."""
        if self.architecture == "lstm":
            x, layers = self.lstm_states(ids, lengths)
            return torch.cat([x, *[t for pair in layers for t in pair]], -1)
        return self.transformer_states(ids, lengths)[-1]


class _LanguageModelNet(MixedPrecisionNet, NeuralNet):
    """skorch net whose module returns its own loss (the output layer needs the targets)."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return y_pred


class HeldOutPerplexity(Callback):
    """Adds ``valid_ppl``, exp of the held-out loss per token, to each epoch's record."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1].get("valid_loss")
        if loss is not None:
            net.history.record("valid_ppl", float(math.exp(min(loss, 50.0))))


# -- the estimator -------------------------------------------------------------------------


class LanguageModel(SavedNetMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                    BaseEstimator):
    """A language model trained on unlabelled text: ELMo's two-way LSTM, BERT's cloze, or
    GPT's next word.

    ``architecture="lstm"`` is ELMo's biLM (Peters et al. 2018): a forward and a backward
    LSTM language model sharing their embeddings and output layer. ``"transformer"`` is an
    encoder trained with ``objective="masked"`` (BERT's cloze, Devlin et al. 2019: 15 % of
    the tokens hidden, the model fills them in) or ``objective="causal"`` (GPT, Radford et
    al. 2018: each token from those before it, under a causal mask).

    ``fit(X)`` takes raw text (``y`` is ignored); ``score(X)`` is the mean log-likelihood
    per token (higher is better, so ``GridSearchCV`` tunes it) and ``perplexity(X)`` its
    exponential of the negative; ``transform(X)`` gives dense document features (token
    states mean-pooled); ``generate`` continues prompts (``"bidirectional"`` and
    ``"causal"``) and ``fill_mask`` answers cloze questions (``"masked"``). The classifiers
    fine-tune from a fitted model (``LSTMClassifier(pretrained=lm)``).

    Parameters
    ----------
    architecture : {"lstm", "transformer"}, default="lstm"
    objective : {"bidirectional", "masked", "causal"} or None, default=None
        None: ``"bidirectional"`` for the LSTM, ``"masked"`` for the Transformer. The LSTM
        takes only ``"bidirectional"``.
    tokenizer : Tokenizer or None, default=None
        Default ``Tokenizer(num_words=30000, maxlen=None)``: lowercased words, or characters
        when the texts are mostly Chinese.
    seq_len : int, default=128
        Documents are cut into windows of at most this many tokens for training (and for
        the Transformer's positions).
    embedding_dim, hidden_size : int, default=128, 128
        The LSTM's sizes (those of :class:`~sknlp.neural.LSTMClassifier`, which fine-tunes
        from it).
    d_model, n_heads, dim_feedforward : int, default=128, 4, 256
        The Transformer's sizes (those of :class:`~sknlp.neural.TransformerClassifier`).
    n_layers : int or None, default=None
        Layers of either architecture; None: 1 for the LSTM, 2 for the Transformer.
    dropout : float, default=0.1
    softmax : {"adaptive", "full"}, default="adaptive"
        The output layer over the vocabulary: the adaptive softmax (Grave et al. 2017)
        computes the rare tokens' clusters only when needed, which on a CPU is where a
        30,000-word model spends its time; ``"full"`` is the plain softmax.
    mask_fraction : float, default=0.15
        Share of the tokens hidden by the masked objective.
    embeddings : Word2Vec or None, default=None
        Initialise the embedding layer from word vectors aligned with the tokenizer's
        vocabulary, as the classifiers do: an unfitted :class:`~sknlp.embeddings.Word2Vec`
        is trained on the fit texts, a fitted one is used as is. Its ``vector_size`` must
        be ``embedding_dim`` (LSTM) or ``d_model`` (Transformer). A short-trained language
        model learns embeddings that group words by their role in a sentence rather than
        by their sense; Word2Vec's start it from vectors that already group by sense.
        A Transformer takes them at their own scale, not multiplied by ``sqrt(d_model)``
        as its own random embeddings are (multiplied, they drown the position encodings).
    freeze_embeddings : bool, default=False
        Keep the embedding layer fixed while the language model trains.
    max_epochs, batch_size, lr, optimizer, weight_decay, lr_schedule, warmup_fraction, \
grad_clip, early_stopping, validation_fraction, patience, bucket, random_state, device, \
precision, n_jobs, verbose, callbacks, checkpoint_dir
        Training settings, as in :class:`~sknlp.neural.LSTMClassifier`. Early stopping
        watches the held-out loss; the progress bar shows the held-out perplexity.

    Attributes
    ----------
    tokenizer_ : Tokenizer
    objective_ : str
    vocab_size_ : int
        Output vocabulary (the tokenizer's ids, and ``[MASK]`` for a masked model).
    net_ : skorch.NeuralNet
    n_features_out_ : int
        Width of ``transform``'s output.

    Examples
    --------
    >>> from sknlp.neural import LanguageModel
    >>> texts = ["the film was good", "the film was bad", "a good film"] * 20
    >>> lm = LanguageModel(embedding_dim=16, hidden_size=16, max_epochs=2,
    ...                    random_state=0).fit(texts)
    >>> lm.transform(["a good film"]).shape
    (1, 48)
    >>> lm.perplexity(["the film was good"]) < 20
    True
    """

    _parameter_constraints = {
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "objective": [StrOptions({"bidirectional", "masked", "causal"}), None],
        "tokenizer": [Tokenizer, None],
        "seq_len": [Interval(Integral, 2, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left"), None],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "softmax": [StrOptions({"adaptive", "full"})],
        "mask_fraction": [Interval(Real, 0, 1, closed="neither")],
        "embeddings": "no_validation",
        "freeze_embeddings": ["boolean"],
        "checkpoint_dir": [str, os.PathLike, None],
        **TRAINING_CONSTRAINTS,
    }

    def __init__(self, *, architecture="lstm", objective=None, tokenizer=None, seq_len=128,
                 embedding_dim=128, hidden_size=128, d_model=128, n_heads=4, n_layers=None,
                 dim_feedforward=256, dropout=0.1, softmax="adaptive",
                 mask_fraction=0.15, embeddings=None, freeze_embeddings=False,
                 max_epochs=5, batch_size=32, lr=2e-3, optimizer="adamw",
                 weight_decay=0.01, lr_schedule="linear", warmup_fraction=0.05, grad_clip=1.0,
                 early_stopping=False, validation_fraction=None, patience=2, bucket=True,
                 random_state=None, device="cpu", precision="float32",
                 n_jobs=None, verbose=0, callbacks=None,
                 checkpoint_dir=None):
        self.architecture = architecture
        self.objective = objective
        self.tokenizer = tokenizer
        self.seq_len = seq_len
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.softmax = softmax
        self.mask_fraction = mask_fraction
        self.embeddings = embeddings
        self.freeze_embeddings = freeze_embeddings
        store_training_params(self, locals())

    # -- data -----------------------------------------------------------------------------

    def _objective(self):
        objective = self.objective or OBJECTIVES[self.architecture][0]
        if objective not in OBJECTIVES[self.architecture]:
            raise ValueError(f"architecture={self.architecture!r} cannot train "
                             f"objective={objective!r}; it takes "
                             + " or ".join(repr(o) for o in OBJECTIVES[self.architecture]))
        return objective

    def _windows(self, docs, *, min_tokens):
        """Right-padded windows of at most ``seq_len`` tokens, their lengths, and the
        document of each window; windows with fewer than ``min_tokens`` tokens are left
        out (they predict nothing)."""
        L = self.seq_len
        seqs = self.tokenizer_.texts_to_sequences(docs)
        rows, owner = [], []
        for d, seq in enumerate(seqs):
            for start in range(0, max(len(seq), 1), L):
                piece = seq[start : start + L]
                if len(piece) >= min_tokens:
                    rows.append(piece)
                    owner.append(d)
        ids = np.zeros((len(rows), L), dtype=np.int64)
        for i, piece in enumerate(rows):
            ids[i, : len(piece)] = piece
        return ids, np.array([len(r) for r in rows], dtype=np.int64), np.array(owner,
                                                                               dtype=np.int64)

    def _min_tokens(self):
        return 1 if self.objective_ == "masked" else 2

    # -- training -------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Train the language model on the texts ``X`` (``y`` is ignored).

        Returns
        -------
        self
        """
        check_params(self)
        objective = self._objective()
        if self.architecture == "transformer" and self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by "
                             f"n_heads={self.n_heads}")
        if self.checkpoint_dir is not None:  # before any work: a bad folder fails at once
            check_checkpoint_dir(os.fspath(self.checkpoint_dir))
        docs = check_documents(X)
        with torch_threads(self.n_jobs):
            return self._fit(docs, objective)

    def _fit(self, docs, objective):
        self.tokenizer_ = tokenizer_for(docs, self.tokenizer).fit(docs)
        self.objective_ = objective
        V = max(self.tokenizer_.vocab_size_, 3)
        self.mask_id_ = V if objective == "masked" else None
        self.vocab_size_ = V + (objective == "masked")
        ids, lengths, _ = self._windows(docs, min_tokens=self._min_tokens())
        if not len(ids):
            raise ValueError("the texts hold no window of two tokens or more: a language "
                             "model has nothing to predict")
        self._seed_ = int(check_random_state(self.random_state).randint(2**31 - 1))
        self._module_kwargs_ = dict(
            vocab_size=self.vocab_size_, architecture=self.architecture, objective=objective,
            embedding_dim=self.embedding_dim, hidden_size=self.hidden_size,
            d_model=self.d_model, n_heads=self.n_heads, n_layers=self._n_layers(),
            dim_feedforward=self.dim_feedforward,
            dropout=self.dropout, max_len=self.seq_len, softmax=self.softmax,
            mask_fraction=self.mask_fraction, mask_id=self.mask_id_,
            freeze_embeddings=self.freeze_embeddings)
        lstm = self.architecture == "lstm"
        weights = word_vectors(self, docs, self._seed_, stacklevel=3,
                               width=self.embedding_dim if lstm else self.d_model,
                               width_name="embedding_dim" if lstm else "d_model")
        if weights is not None:  # rows past the tokenizer's ([MASK]) start as padding does
            extra = np.zeros((self.vocab_size_ - len(weights), weights.shape[1]), np.float32)
            weights = np.vstack([weights, extra])
        # A saved model is rebuilt from _module_kwargs_, and its trained weights replace
        # the initial ones, so only the first build gets them.
        fit_net(self, {"ids": ids, "lengths": lengths}, np.zeros(len(ids), np.float32),
                arrays=(ids, weights),
                module_kwargs={**self._module_kwargs_, "embedding_weights": weights})
        self.n_features_out_ = int(self._feature_width())
        return self

    def _build(self, module_kwargs, n_rows=1, seed=0, fraction=None, checkpoint=None):
        return build_net(self, LanguageModelModule, module_kwargs, n_rows=n_rows, seed=seed,
                         monitor=("valid_loss", True), net_class=_LanguageModelNet,
                         criterion=nn.Identity, fraction=fraction, checkpoint=checkpoint,
                         name="LanguageModel",
                         scores=[("perplexity", HeldOutPerplexity())])

    def _n_layers(self):
        if self.n_layers is not None:
            return self.n_layers
        return 1 if self.architecture == "lstm" else 2

    def _feature_width(self):
        if self.architecture == "lstm":
            return self.embedding_dim + 2 * self.hidden_size * self._n_layers()
        return self.d_model

    @property
    def _n_features_out(self):
        return self.n_features_out_

    # -- evaluation -----------------------------------------------------------------------

    def _module(self):
        check_is_fitted(self, "net_")
        module = self.net_.module_
        module.eval()
        return module, next(module.parameters()).device

    def _batches(self, ids, lengths):
        class _Data:
            X = {"ids": ids, "lengths": lengths}
            y = None

        return BatchIterator(_Data, max(self.batch_size, 64), shuffle=False)

    def score(self, X, y=None):
        """Mean log-likelihood per predicted token of the texts ``X`` (higher is better).

        The biLM averages its forward and backward predictions; a masked model scores the
        tokens hidden by a fixed draw (the same at every call).
        """
        module, device = self._module()
        docs = check_documents(X)
        ids, lengths, _ = self._windows(docs, min_tokens=self._min_tokens())
        if not len(ids):
            raise ValueError("the texts hold no token the model can predict")
        generator = torch.Generator(device=device)
        generator.manual_seed(0)
        total, count = 0.0, 0
        with torch.no_grad(), torch_threads(self.n_jobs):
            for Xb, _ in self._batches(ids, lengths):
                nll = module.nll(Xb["ids"].to(device), Xb["lengths"].to(device), generator)
                total += float(nll.double().sum())
                count += len(nll)
        return -total / count

    def perplexity(self, X):
        """Perplexity of the texts ``X``: ``exp(-score(X))`` (lower is better)."""
        return float(math.exp(-self.score(X)))

    def transform(self, X):
        """Document features: the token states (see ``LanguageModelModule.features``)
        averaged over each document's tokens.

        Returns
        -------
        features : ndarray of shape (n_documents, n_features_out_)
            A document with no known token gets zeros.
        """
        module, device = self._module()
        docs = check_documents(X, allow_empty_corpus=True)
        out = np.zeros((len(docs), self.n_features_out_), dtype=np.float32)
        counts = np.zeros(len(docs))
        if not docs:
            return out
        ids, lengths, owner = self._windows(docs, min_tokens=1)
        start = 0
        with torch.no_grad(), torch_threads(self.n_jobs):
            for Xb, _ in self._batches(ids, lengths):
                b_ids, b_len = Xb["ids"].to(device), Xb["lengths"].to(device)
                feats = module.features(b_ids, b_len)  # (B, T, D)
                mask = _mask(b_len, b_ids.shape[1])[..., None]
                sums = (feats * mask).sum(1).cpu().numpy()
                rows = owner[start : start + len(b_ids)]
                np.add.at(out, rows, sums)
                np.add.at(counts, rows, b_len.cpu().numpy())
                start += len(b_ids)
        return (out / np.maximum(counts, 1)[:, None]).astype(np.float32)

    # -- writing --------------------------------------------------------------------------

    def _joiner(self):
        return "" if self.tokenizer_.analyzer == "char" else " "

    def generate(self, prompts, *, max_new_tokens=20, temperature=1.0, top_k=None,
                 random_state=None):
        """Continue each prompt, one token at a time, from the model's next-token
        distribution (a causal model, or the forward half of the biLM).

        Parameters
        ----------
        prompts : iterable of str
        max_new_tokens : int, default=20
        temperature : float, default=1.0
            Divides the logits: below 1 safer, above 1 more varied; 0 takes the most likely
            token (greedy).
        top_k : int or None, default=None
            Draw among the ``top_k`` most likely tokens only.
        random_state : int, RandomState or None, default=None
            Makes the draws reproducible.

        Returns
        -------
        texts : list of str
            Each prompt's tokens followed by the tokens written.
        """
        if self.objective_ == "masked":
            raise ValueError("generate needs a model that predicts the next token "
                             "(objective 'causal', or the LSTM's 'bidirectional'); this one "
                             "was trained to fill masks: use fill_mask")
        _check_number("max_new_tokens", max_new_tokens, 0)
        _check_number("temperature", temperature, 0, integral=False)
        if top_k is not None:
            _check_number("top_k", top_k, 1)
        module, device = self._module()
        prompts = check_documents(prompts)
        generator = torch.Generator(device=device)
        generator.manual_seed(int(check_random_state(random_state).randint(2**31 - 1)))
        banned = [0, self.tokenizer_.oov_id_, self.mask_id_]
        out = []
        with torch.no_grad(), torch_threads(self.n_jobs):
            for prompt in prompts:
                seq = self.tokenizer_.texts_to_sequences([prompt])[0]
                if not seq:
                    raise ValueError(f"the prompt {prompt!r} has no token to start from")
                written = []
                state = None
                for _ in range(max_new_tokens):
                    h, state = self._next_state(module, seq + written, state, device)
                    logp = module.output.log_prob(h)  # (1, V)
                    logp[:, [b for b in banned if b is not None]] = float("-inf")
                    written.append(int(next_token(logp, temperature=temperature, top_k=top_k,
                                                  generator=generator)[0]))
                tokens = self.tokenizer_.index_to_token_[seq + written].tolist()
                out.append(self._joiner().join(tokens))
        return out

    def _next_state(self, module, seq, state, device):
        """The state that predicts the token after ``seq`` (1, C), and what the next call
        needs (the LSTM's (h, c) per layer; nothing for the Transformer, which reads its
        last ``seq_len`` tokens afresh)."""
        if module.architecture == "lstm":
            new = seq if state is None else seq[-1:]
            x = module.embedding(torch.as_tensor([new], device=device))
            states = []
            for i, layer in enumerate(module.forward_layers):
                x, hc = layer(x, None if state is None else state[i])
                states.append(hc)
            return x[:, -1], states
        window = seq[-self.seq_len :]
        ids = torch.as_tensor([window], device=device)
        h = module.transformer_states(ids, torch.as_tensor([len(window)], device=device))[-1]
        return h[:, -1], None

    def fill_mask(self, texts, *, top_k=5):
        """BERT's cloze: the most likely tokens for each ``[MASK]`` of each text.

        Parameters
        ----------
        texts : iterable of str
            Texts with one or more ``"[MASK]"``, e.g. ``"我天天都会喝一杯[MASK]。"``.
        top_k : int, default=5

        Returns
        -------
        answers : list of list of list of (str, float)
            Per text, per mask, the ``top_k`` tokens and their probabilities.
        """
        _check_number("top_k", top_k, 1)
        if self.objective_ != "masked":
            raise ValueError("fill_mask needs a model trained with objective='masked'; this "
                             f"one was trained with {self.objective_!r}: use generate")
        module, device = self._module()
        texts = check_documents(texts)
        banned = [0, self.tokenizer_.oov_id_, self.mask_id_]
        answers = []
        with torch.no_grad(), torch_threads(self.n_jobs):
            for text in texts:
                pieces = text.split(MASK_TOKEN)
                if len(pieces) < 2:
                    raise ValueError(f"no {MASK_TOKEN} in {text!r}: mark each blank to fill "
                                     f"with {MASK_TOKEN}")
                seq = []
                for i, piece in enumerate(pieces):
                    if i:
                        seq.append(self.mask_id_)
                    seq.extend(self.tokenizer_.texts_to_sequences([piece])[0]
                               if piece.strip() else [])
                if len(seq) > self.seq_len and self.mask_id_ in seq[self.seq_len :]:
                    raise ValueError(f"a {MASK_TOKEN} of {text[:40]!r}... lies past the "
                                     f"model's seq_len={self.seq_len} tokens")
                seq = seq[: self.seq_len]
                ids = torch.as_tensor([seq], device=device)
                h = module.transformer_states(ids, torch.as_tensor([len(seq)], device=device))
                at = (ids[0] == self.mask_id_).nonzero()[:, 0]
                logp = module.output.log_prob(h[-1][0, at])  # (n_masks, V)
                logp[:, [b for b in banned if b is not None]] = float("-inf")
                top = logp.topk(min(top_k, logp.shape[1]), dim=-1)
                answers.append([
                    [(str(self.tokenizer_.index_to_token_[int(t)]), float(math.exp(v)))
                     for v, t in zip(values.tolist(), tokens.tolist())]
                    for values, tokens in zip(top.values, top.indices)])
        return answers

    # -- fine-tuning ----------------------------------------------------------------------

    def encoder_state(self, owner, kwargs):
        """The weights a classifier starts from when it fine-tunes from this model: the
        embeddings and the encoder, named as in the classifier's network.

        Parameters
        ----------
        owner : {"LSTMClassifier", "TransformerClassifier"}
        kwargs : dict
            The classifier's network arguments (sizes, vocabulary).

        Returns
        -------
        state : dict of str to Tensor
        """
        check_is_fitted(self, "net_")
        own = {k: v.detach().cpu().clone() for k, v in self.net_.module_.state_dict().items()}
        if kwargs["vocab_size"] > own["embedding.weight"].shape[0]:
            raise ValueError(f"the {owner}'s vocabulary ({kwargs['vocab_size']}) is larger "
                             f"than the LanguageModel's ({own['embedding.weight'].shape[0]})")
        state = {"embedding.weight": own["embedding.weight"][: kwargs["vocab_size"]]}
        wanted = "lstm" if owner == "LSTMClassifier" else "transformer"
        if self.architecture != wanted:
            raise ValueError(f"{owner} fine-tunes from a LanguageModel(architecture="
                             f"{wanted!r}); this one is {self.architecture!r}")
        n = self._n_layers()
        if wanted == "lstm":
            mine = (self.embedding_dim, self.hidden_size, n)
            theirs = (kwargs["embedding_dim"], kwargs["hidden_size"], kwargs["num_layers"])
            names = "embedding_dim, hidden_size, n_layers"
            bidirectional = kwargs["bidirectional"]
            if mine == theirs and n > 1 and bidirectional:
                raise ValueError(
                    f"a LanguageModel of {n} LSTM layers keeps its two directions apart, "
                    "while a bidirectional LSTMClassifier's upper layers read both: "
                    "fine-tune from a one-layer LanguageModel, or set bidirectional=False")
            for i in range(n):
                for w in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                    state[f"lstm.layers.{i}.0.{w}"] = own[f"forward_layers.{i}.{w}"]
                    if bidirectional:
                        state[f"lstm.layers.{i}.1.{w}"] = own[f"backward_layers.{i}.{w}"]
        else:
            mine = (self.d_model, self.n_heads, n, self.dim_feedforward, "sinusoidal")
            theirs = (kwargs["d_model"], kwargs["n_heads"], kwargs["n_layers"],
                      kwargs["dim_feedforward"], kwargs["positional"])
            names = "d_model, n_heads, n_layers, dim_feedforward, positional"
            state.update({k: v for k, v in own.items() if k.startswith(("blocks.", "ln_f."))})
        if mine != theirs:
            raise ValueError(f"the LanguageModel has ({names}) = {mine} and the {owner} "
                             f"{theirs}: give the classifier the language model's sizes")
        return state

    # -- safe persistence (sknlp.save / sknlp.load) ---------------------------------------

    def _saved_module_class(self):
        return LanguageModelModule

    def _rebuild_net(self, module_kwargs):
        return self._build(module_kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.non_deterministic = self.random_state is None
        return tags
