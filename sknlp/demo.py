"""A web demo of a fitted text classifier, or of a model that writes text (Gradio, extra
``[demo]``).

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


def writes_text(model):
    """Whether ``model`` writes texts (a Seq2Seq) rather than predicting labels."""
    return callable(getattr(model, "evaluate", None)) and not hasattr(model, "predict_proba")


def write(model, text, *, with_alignment=None):
    """What the demo shows for one source text given to a model that writes text.

    Parameters
    ----------
    model : fitted Seq2Seq
    text : str
    with_alignment : bool, default=None
        Draw the alignment picture; None: when the model has attention.

    Returns
    -------
    output : str
        The text written.
    figure : matplotlib Figure or None
        The alignment of the output with the source (:func:`sknlp.plotting.plot_alignment`).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected one text as a str, got {type(text).__name__}")
    output = model.predict([text])[0]
    if with_alignment is None:
        with_alignment = getattr(model, "architecture", None) != "rnn"
    figure = None
    if with_alignment and model.source_tokenizer_.texts_to_sequences([text])[0]:
        import matplotlib

        matplotlib.use("Agg")  # the server draws off screen
        from .plotting import plot_alignment

        figure = plot_alignment(model, text).figure
    return output, figure


def _text_demo(gr, model, title, examples, placeholder):
    alignment = getattr(model, "architecture", None) != "rnn"

    def run(text):
        if not text or not text.strip():
            return ("type a text first", None) if alignment else "type a text first"
        output, figure = write(model, text, with_alignment=alignment)
        if figure is not None:
            import matplotlib.pyplot as plt

            plt.close(figure)  # gradio has drawn it; free the server's memory
        return (output, figure) if alignment else output

    with gr.Blocks(title=title) as demo:
        gr.Markdown(f"# {title}\n{type(model).__name__} ({model.architecture}): writes a text "
                    "for the text you type")
        text = gr.Textbox(label="Text", lines=3, elem_id="text-input", placeholder=placeholder)
        button = gr.Button("Write", variant="primary", elem_id="classify")
        output = gr.Textbox(label="Output", interactive=False, elem_id="prediction")
        outputs = [output]
        if alignment:
            outputs.append(gr.Plot(label="Alignment: which source tokens each written "
                                         "token attended to", elem_id="alignment"))
        button.click(run, inputs=text, outputs=outputs, api_name="write")
        text.submit(run, inputs=text, outputs=outputs)
        if examples:
            gr.Examples(examples=[[e] for e in examples], inputs=text)
    return demo


def make_demo(model, *, title=None, examples=None, placeholder="Type a text..."):
    """A Gradio app: type a text, see the predicted label, the class probabilities and,
    for models with attention, the tokens coloured by the weight the model gave them; for a
    model that writes text (:class:`~sknlp.neural.Seq2Seq`), the text it writes and the
    alignment picture.

    Parameters
    ----------
    model : fitted classifier or pipeline with ``predict_proba``, or fitted Seq2Seq
    title : str, default=None
        "sknlp text classifier", or "sknlp text to text" for a model that writes text.
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
    if writes_text(model):
        check_is_fitted(model)
        return _text_demo(gr, model, title or "sknlp text to text", examples, placeholder)
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"the demo needs a classifier with predict_proba or a Seq2Seq, got "
                        f"{type(model).__name__}")
    title = title or "sknlp text classifier"
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
