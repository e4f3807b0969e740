"""Plots of sknlp models and data (matplotlib, extra ``[plot]``)."""

from ._plots import (
    plot_alignment,
    plot_attention,
    plot_benchmark,
    plot_confusion_matrix,
    plot_embeddings,
    plot_history,
    plot_temperature,
)

__all__ = ["plot_alignment", "plot_attention", "plot_benchmark", "plot_confusion_matrix",
           "plot_embeddings", "plot_history", "plot_temperature"]
