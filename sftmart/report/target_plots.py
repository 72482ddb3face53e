"""The target section's figure: the distribution of DSIR log importance weights, one panel per
language (plots.py's style)."""

from __future__ import annotations

from sftmart.report.formatting import lang_color, lang_order
from sftmart.report.plots import _data_uri, _plt


def dsir_weights_figure(histograms: dict[str, tuple[list[float], list[int]]]) -> str:
    """histograms: lang -> (bin edges, counts) of the candidates' log importance weights."""
    plt = _plt()
    langs = lang_order(histograms)
    fig, axes = plt.subplots(1, len(langs), figsize=(4.2 * len(langs), 3.0), squeeze=False)
    for ax, lang in zip(axes[0], langs):
        edges, counts = histograms[lang]
        ax.stairs(counts, edges, fill=True, color=lang_color(lang), alpha=0.85)
        ax.set_title(f"{lang}: {sum(counts):,} candidates")
        ax.set_xlabel("log importance weight (target vs pool n-gram model)")
        ax.set_ylabel("candidates")
    fig.tight_layout()
    return _data_uri(fig)
