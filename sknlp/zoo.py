"""The model zoo: named, ready-to-fit models with settings that work out of the box: text
classifiers, and ``seq2seq``, which writes text.

The ``sknlp`` command, the benchmarks and the docs build their models here. A model joins the
zoo with :func:`register_model`: a name, a one-line description, a function that builds a
fresh, unfitted estimator for an analyzer (``"word"``, or ``"char"`` for languages written
without spaces), and its task (``"classify"``, or ``"text"`` for text in, text out).

>>> from sknlp.zoo import MODELS, make_model
>>> sorted(MODELS)[:4]
['bow', 'doc2vec', 'fasttext', 'lstm']
>>> make_model("bow", analyzer="char")
Pipeline(steps=[('bagofwords', BagOfWords(analyzer='char', weighting='tfidf')),
                ('logisticregression', LogisticRegression(max_iter=1000))])
"""

import time
from dataclasses import dataclass

__all__ = ["MODELS", "ModelSpec", "make_model", "register_model", "run_benchmark"]


@dataclass(frozen=True)
class ModelSpec:
    """A model of the zoo: its name, what it is, and how to build it."""

    name: str
    description: str
    build: object  # analyzer -> unfitted estimator
    task: str = "classify"  # or "text": its targets are texts


MODELS = {}


def register_model(name, description, build, *, task="classify"):
    """Add a model to :data:`MODELS`.

    Parameters
    ----------
    name : str
        What the command calls it (``--model NAME``).
    description : str
        One line for ``sknlp --help`` and the docs.
    build : callable
        ``build(analyzer)`` returns a fresh, unfitted estimator.
    task : {"classify", "text"}, default="classify"
        What the model's targets are: labels, or texts (a model that writes text).
    """
    if task not in ("classify", "text"):
        raise ValueError(f"task should be 'classify' or 'text', got {task!r}")
    MODELS[name] = ModelSpec(name, description, build, task)


def make_model(name, analyzer="word"):
    """A fresh, unfitted estimator for a model name of :data:`MODELS`.

    Parameters
    ----------
    name : str
        One of the keys of ``MODELS``.
    analyzer : {"word", "char"}, default="word"
        ``"char"`` for languages written without spaces, such as Chinese.

    Returns
    -------
    estimator : sklearn estimator or Pipeline
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name].build(analyzer)


def _tokenizer(analyzer):
    from .preprocessing import Tokenizer

    maxlen = 150 if analyzer == "char" else 256
    return Tokenizer(analyzer=analyzer, num_words=20000, maxlen=maxlen, truncating="pre")


def _neural_defaults(analyzer):
    return dict(tokenizer=_tokenizer(analyzer), early_stopping=True, random_state=0,
                verbose=1)


def _ngram(analyzer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .preprocessing import NGram

    return make_pipeline(NGram(analyzer=analyzer, ngram_range=(1, 3), weighting="nb",
                               min_df=2), LogisticRegression(C=0.1, max_iter=1000))


def _bow(analyzer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .preprocessing import BagOfWords

    return make_pipeline(BagOfWords(analyzer=analyzer, weighting="tfidf"),
                         LogisticRegression(max_iter=1000))


def _w2v(analyzer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .embeddings import Word2Vec

    return make_pipeline(Word2Vec(analyzer=analyzer, vector_size=100, random_state=0),
                         LogisticRegression(max_iter=1000))


def _fasttext(analyzer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .embeddings import FastText

    return make_pipeline(FastText(analyzer=analyzer, vector_size=100, random_state=0),
                         LogisticRegression(max_iter=1000))


def _doc2vec(analyzer):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from .embeddings import Doc2Vec

    return make_pipeline(Doc2Vec(analyzer=analyzer, random_state=0),
                         LogisticRegression(max_iter=1000))


def _lstm(pooling):
    def build(analyzer):
        from .neural import LSTMClassifier

        return LSTMClassifier(embedding_dim=128, hidden_size=128, bidirectional=True,
                              pooling=pooling, dropout=0.3, max_epochs=6, lr=2e-3,
                              **_neural_defaults(analyzer))
    return build


def _transformer(analyzer):
    from .neural import TransformerClassifier

    return TransformerClassifier(d_model=128, n_heads=4, n_layers=2, dim_feedforward=256,
                                 pooling="mean", dropout=0.2, max_epochs=4, lr=1e-3,
                                 **_neural_defaults(analyzer))


def _minilm(analyzer):
    from .neural import PretrainedClassifier

    defaults = {k: v for k, v in _neural_defaults(analyzer).items() if k != "tokenizer"}
    return PretrainedClassifier(max_epochs=3, lr=5e-5, batch_size=16, **defaults)


def _seq2seq(analyzer):
    from .neural import Seq2Seq

    # The source's tokens (words, or characters for Chinese) are chosen from the data.
    return Seq2Seq(architecture="rnn-attention", early_stopping=True, random_state=0,
                   verbose=1)


register_model("ngram", "NB-weighted word (or char) 1-3-grams + logistic regression "
               "(Wang & Manning 2012)", _ngram)
register_model("bow", "tf-idf bag of words + logistic regression", _bow)
register_model("w2v", "mean-pooled Word2Vec vectors + logistic regression", _w2v)
register_model("fasttext", "mean-pooled fastText subword vectors (unseen words too) + "
               "logistic regression", _fasttext)
register_model("doc2vec", "Doc2Vec paragraph vectors (PV-DBOW) + logistic regression",
               _doc2vec)
register_model("lstm", "LSTMClassifier: embedding + bidirectional LSTM, max pooling",
               _lstm("max"))
register_model("lstm-attention", "LSTMClassifier with additive attention pooling "
               "(attention heatmaps)", _lstm("attention"))
register_model("transformer", "TransformerClassifier: a small encoder trained from scratch",
               _transformer)
register_model("minilm", "PretrainedClassifier fine-tuning the shipped MiniLM model "
               "(extra [hf])", _minilm)
register_model("seq2seq", "Seq2Seq: writes a target text for each source text (encoder-"
               "decoder with attention; --target-col names the target)", _seq2seq,
               task="text")


def run_benchmark(models, split, params=None, *, progress=True):
    """Fit and score each named model on one split.

    Parameters
    ----------
    models : list of str
        Names of :data:`MODELS`.
    split : sknlp.datasets.TextSplit
        From :func:`sknlp.datasets.load_split`.
    params : dict of str to dict, default=None
        Per model name, parameters for ``set_params``.
    progress : bool, default=True
        A progress bar over the models (and the neural models' own bars).

    Returns
    -------
    results : list of dict
        Per model: ``model``, ``accuracy``, ``fit_s``, ``predict_docs_s``.
    """
    from tqdm.auto import tqdm

    results = []
    bar = tqdm(models, desc="benchmark", unit="model", disable=not progress)
    for name in bar:
        bar.set_postfix_str(name)
        model = make_model(name, split.analyzer)
        if not progress:
            _quiet(model)
        if params and params.get(name):
            model.set_params(**params[name])
        t = time.perf_counter()
        model.fit(split.X_train, split.y_train)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        acc = model.score(split.X_test, split.y_test)
        docs_s = len(split.X_test) / max(time.perf_counter() - t, 1e-9)
        results.append({"model": name, "accuracy": acc, "fit_s": fit_s,
                        "predict_docs_s": docs_s})
    return results


def _quiet(model):
    """Turn off the progress bars of a model (and of its pipeline steps)."""
    params = model.get_params(deep=True)
    model.set_params(**{k: False if isinstance(v, bool) else 0 for k, v in params.items()
                        if k == "verbose" or k.endswith("__verbose")})
