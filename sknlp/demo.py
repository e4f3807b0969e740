"""A web demo of a fitted text classifier (Gradio, extra ``[demo]``).

Started from Python (``launch`` serves the page until interrupted, so it is shown here as a
code block, not run as a doctest; ``tests/test_demo.py`` drives the real page in Chromium)::

    from sknlp.demo import make_demo
    make_demo(model).launch()

or, for a model saved by ``sknlp train --output model.sknlp``::

    sknlp demo model.sknlp
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .utils._optional import import_optional


def _has_attention(model):
    """Whether ``model.attention_weights`` works (LSTM with attention pooling, Transformer)."""
    if not hasattr(model, "attention_weights"):
        return False
    try:
        model.attention_weights(["a"])
    except (ValueError, AttributeError, NotImplementedError):
        return False
    return True


def explain(model, text, *, with_attention=None):
    """What the demo shows for one text.

    Parameters
    ----------
    model : fitted classifier or pipeline with ``predict_proba``
    text : str
    with_attention : bool, default=None
        Return the token weights; None: when the model has attention.

    Returns
    -------
    label : str
        The predicted class and its probability, e.g. ``"pos (0.93)"``.
    proba : dict
        Class name -> probability.
    tokens : list of (str, float) or None
        Each token and its attention weight scaled so that the largest is 1.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected one text as a str, got {type(text).__name__}")
    proba = model.predict_proba([text])[0]
    classes = [str(c) for c in model.classes_]
    best = int(np.argmax(proba))
    tokens = None
    if with_attention is None:
        with_attention = _has_attention(model)
    if with_attention:
        toks, weights = model.attention_weights([text])[0]
        top = float(np.max(weights)) if len(weights) else 1.0
        tokens = [(t, round(float(w) / top, 4)) for t, w in zip(toks, weights)]
    return (f"{classes[best]} ({proba[best]:.2f})",
            {c: float(p) for c, p in zip(classes, proba)}, tokens)


def make_demo(model, *, title="sknlp text classifier", examples=None,
              placeholder="Type a text..."):
    """A Gradio app: type a text, see the predicted label, the class probabilities and,
    for models with attention, the tokens coloured by the weight the model gave them.

    Parameters
    ----------
    model : fitted classifier or pipeline with ``predict_proba``
    title : str, default="sknlp text classifier"
    examples : list of str, default=None
        Texts offered as one-click examples.
    placeholder : str, default="Type a text..."
        What the empty input box says (for example "Type a review..." or "Ask a
        question...").

    Returns
    -------
    demo : gradio.Blocks
        Call ``demo.launch()`` to serve it.
    """
    gr = import_optional("gradio", extra="demo", purpose="the web demo")
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"the demo needs a classifier with predict_proba, got "
                        f"{type(model).__name__}")
    check_is_fitted(model)
    attention = _has_attention(model)

    def predict(text):
        if not text or not text.strip():
            return "type a text first", {}, []
        label, proba, tokens = explain(model, text, with_attention=attention)
        return label, proba, tokens or []

    with gr.Blocks(title=title) as demo:
        gr.Markdown(f"# {title}\n{type(model).__name__}: classes "
                    + ", ".join(f"`{c}`" for c in model.classes_))
        text = gr.Textbox(label="Text", lines=4, elem_id="text-input",
                          placeholder=placeholder)
        button = gr.Button("Classify", variant="primary", elem_id="classify")
        label = gr.Textbox(label="Prediction", interactive=False, elem_id="prediction")
        proba = gr.Label(label="Class probabilities", elem_id="probabilities")
        outputs = [label, proba]
        if attention:
            tokens = gr.HighlightedText(label="Attention over the tokens", elem_id="attention",
                                        show_legend=False)
            outputs.append(tokens)
        fn = predict if attention else (lambda t: predict(t)[:2])
        button.click(fn, inputs=text, outputs=outputs, api_name="classify")
        text.submit(fn, inputs=text, outputs=outputs)
        if examples:
            gr.Examples(examples=[[e] for e in examples], inputs=text)
    return demo
