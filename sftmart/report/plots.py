"""The report's matplotlib figures, each returned as a `data:image/png;base64,...` URI.

The figures take data already aggregated in DuckDB (see `queries`); embedding the PNGs keeps the
page offline, loading nothing from the network.
"""

from __future__ import annotations

import base64
import io
import math

from sftmart.report.formatting import lang_color, lang_order, pct, truncate

MAX_REASONS_SHOWN = 14


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.titleweight": "bold",
            "axes.labelsize": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#e6e6e6",
            "grid.linewidth": 0.7,
            "axes.axisbelow": True,
            "legend.frameon": False,
            "legend.fontsize": 8,
            "figure.dpi": 100,
        }
    )
    return plt


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1 or v == 0 else f"{v:g}")


def _plain_log(axis) -> None:
    """Log axis ticks as 10, 100, 1,000 instead of powers of ten."""
    from matplotlib.ticker import LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10))
    axis.set_major_formatter(_thousands())
    axis.set_minor_formatter(NullFormatter())


def _data_uri(fig) -> str:
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _stacked_barh(
    ax, labels: list[str], langs: list[str], values: dict[str, list[int]], margin: float, skip_empty: bool
) -> None:
    """Horizontal bars stacked by language, each labelled with its total."""
    y = list(range(len(labels)))
    left = [0] * len(labels)
    for lang in langs:
        if any(values[lang]) or not skip_empty:
            ax.barh(y, values[lang], left=left, color=lang_color(lang), label=lang, height=0.7)
            left = [a + b for a, b in zip(left, values[lang])]
    peak = max(left) or 1
    for yi, total in zip(y, left):
        ax.text(total + peak * 0.01, yi, f"{total:,}", va="center", fontsize=8, color="#333")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, peak * margin)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(_thousands())


def funnel_figure(stages: list[dict]) -> str:
    """Rows left after each stage, and rows removed per reason (top reasons), stacked by language."""
    plt = _plt()
    langs = lang_order(r["lang"] for st in stages for r in st["rows"])
    labels = ["input units"] + [f"{st['order']} · {st['stage']}" for st in stages]
    counts = {lang: [sum(r["rows_in"] for r in stages[0]["rows"] if r["lang"] == lang)] for lang in langs}
    for st in stages:
        for lang in langs:
            counts[lang].append(sum(r["rows_out"] or 0 for r in st["rows"] if r["lang"] == lang))
    reasons: dict[str, dict[str, int]] = {}
    for st in stages:
        for r in st["rows"]:
            for k, v in r["reasons"]:
                reasons.setdefault(k, {}).setdefault(r["lang"], 0)
                reasons[k][r["lang"]] += v
    top = sorted(reasons.items(), key=lambda kv: -sum(kv[1].values()))[:MAX_REASONS_SHOWN]

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12.5, 4.6), gridspec_kw={"width_ratios": [1.25, 1]})
    _stacked_barh(ax, labels, langs, counts, 1.14, skip_empty=False)
    ax.set_xlabel("rows remaining after the stage")
    ax.set_title("Funnel: rows per stage and language")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=len(langs), handlelength=1.2)
    if top:
        _stacked_barh(
            ax2,
            [truncate(k, 34) for k, _ in top],
            langs,
            {lang: [kv[1].get(lang, 0) for kv in top] for lang in langs},
            1.15,
            skip_empty=True,
        )
    else:
        ax2.text(0.5, 0.5, "no rows were removed", ha="center", va="center", transform=ax2.transAxes)
        ax2.set_yticks([])
        ax2.xaxis.set_major_formatter(_thousands())
    ax2.set_xlabel("rows removed")
    ax2.set_title("Why rows were removed (all stages)")
    fig.tight_layout()
    return _data_uri(fig)


def _threshold_lines(ax, lines: list[tuple[str, str, float]], xs: list[float], log: bool) -> None:
    """One dashed (min) or dotted (max) line per threshold value, naming the languages it applies to."""
    merged: dict[tuple[str, float], list[str]] = {}
    for lang, kind, value in lines:
        merged.setdefault((kind, float(value)), []).append(lang)
    scale = math.log10 if log else float
    for i, ((kind, value), line_langs) in enumerate(merged.items()):
        color = lang_color(line_langs[0]) if len(line_langs) == 1 else "#222"
        ax.axvline(value, color=color, linestyle="--" if kind == "min" else ":", linewidth=1.4)
        right_half = (scale(max(value, 1e-12)) - scale(xs[0])) > 0.6 * (scale(xs[-1]) - scale(xs[0]))
        ax.annotate(
            f"{'/'.join(sorted(line_langs))} {kind} {value:g}",
            xy=(value, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-3 if right_half else 3, -3 - 12 * i),
            textcoords="offset points",
            fontsize=7,
            color=color,
            va="top",
            ha="right" if right_half else "left",
            bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.85),
        )


def quality_figure(panels: list[dict]) -> str:
    """A grid of per-language histograms (log counts), one panel per statistic, with threshold lines.

    panels: dicts with stat, label, hist (edges, counts per language, log bins; None when the column
    is all NULL) and lines ((lang, 'min'|'max', value), ...)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = _plt()
    ncols = 4
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(13, 3.0 * nrows), squeeze=False)
    langs_seen: set[str] = set()
    for ax, panel in zip(axes.flat, panels):
        if panel["hist"] is None:
            ax.set_visible(False)
            continue
        xs, per_lang, log = panel["hist"]
        for lang in lang_order(per_lang):
            langs_seen.add(lang)
            ax.stairs(per_lang[lang], xs, fill=True, alpha=0.35, color=lang_color(lang))
            ax.stairs(per_lang[lang], xs, color=lang_color(lang), linewidth=1.1)
        _threshold_lines(ax, panel["lines"], xs, log)
        if log:
            ax.set_xscale("log")
            _plain_log(ax.xaxis)
        ax.set_yscale("log")
        _plain_log(ax.yaxis)
        ax.set_ylim(0.7, max((max(v) for v in per_lang.values()), default=1) * 3)
        ax.set_title(panel["stat"])
        ax.set_xlabel(panel["label"] + (" (log)" if log else ""))
        ax.set_ylabel("samples (log)")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles = [Patch(facecolor=lang_color(lang), alpha=0.6, label=lang) for lang in lang_order(langs_seen)]
    handles += [
        Line2D([], [], color="#444", linestyle="--", label="min threshold"),
        Line2D([], [], color="#444", linestyle=":", label="max threshold"),
    ]
    fig.legend(handles=handles, loc="upper center", ncols=len(handles), bbox_to_anchor=(0.5, 1.02))
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return _data_uri(fig)


def mix_figure(langs: list[dict], token_hist: tuple) -> str:
    """Samples per language, tokens per language split into prompt and response, tokens per sample.

    langs: dicts with lang, n, tokens, prompt_tokens, response_tokens (in display order)."""
    from matplotlib.ticker import MaxNLocator

    plt = _plt()
    n_all = sum(r["n"] for r in langs)
    tok_all = sum(r["tokens"] or 0 for r in langs)
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [0.8, 1.2, 1.3]})
    names = [r["lang"] for r in langs]
    colors = [lang_color(lang) for lang in names]
    a1.bar(names, [r["n"] for r in langs], color=colors, width=0.6)
    for i, r in enumerate(langs):
        a1.text(i, r["n"], f"{r['n']:,}\n{pct(r['n'], n_all, 0)}", ha="center", va="bottom", fontsize=8)
    a1.set_ylim(0, max(r["n"] for r in langs) * 1.25)
    a1.set_title("Samples per language")
    a1.grid(axis="x", visible=False)

    prompts = [r["prompt_tokens"] or 0 for r in langs]
    responses = [r["response_tokens"] or 0 for r in langs]
    a2.bar(names, prompts, color=colors, alpha=0.45, width=0.6, label="prompt tokens")
    a2.bar(
        names, responses, bottom=prompts, color=colors, width=0.6, label="response tokens", edgecolor="white", hatch=""
    )
    for i, r in enumerate(langs):
        tok = r["tokens"] or 0
        a2.text(i, tok, f"{tok:,} ({pct(tok, tok_all, 0)})", ha="center", va="bottom", fontsize=8)
        if r["response_tokens"]:
            a2.text(
                i,
                prompts[i] + responses[i] / 2,
                f"response\n{pct(r['response_tokens'], tok, 0)}",
                ha="center",
                va="center",
                fontsize=8,
                color="white",
                fontweight="bold",
            )
        if r["prompt_tokens"]:
            a2.text(
                i,
                prompts[i] / 2,
                f"prompt\n{pct(r['prompt_tokens'], tok, 0)}",
                ha="center",
                va="center",
                fontsize=8,
                color="#222",
            )
    a2.set_ylim(0, max((r["tokens"] or 0) for r in langs) * 1.15 or 1)
    a2.set_title("Tokens per language (prompt / response)")
    a2.grid(axis="x", visible=False)

    edges, hist, log = token_hist
    for lang in lang_order(hist):
        a3.stairs(hist[lang], edges, fill=True, alpha=0.35, color=lang_color(lang), label=lang)
        a3.stairs(hist[lang], edges, color=lang_color(lang), linewidth=1.1)
    if log:
        a3.set_xscale("log")
        _plain_log(a3.xaxis)
    a3.xaxis.set_major_formatter(_thousands())
    a3.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in (a3, a2, a1):
        ax.yaxis.set_major_formatter(_thousands())
    a3.set_title("Tokens per sample")
    a3.set_xlabel("n_tokens" + (" (log)" if log else ""))
    a3.set_ylabel("samples")
    a3.legend()
    fig.tight_layout()
    return _data_uri(fig)


def entropy_scatter(sample: list[tuple]) -> str:
    """Base vs guide entropy per sample (lang, h_base, h_guide), coloured by language, with the diagonal."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    by_lang: dict[str, tuple[list, list]] = {}
    for lang, hb, hg in sample:
        xs, ys = by_lang.setdefault(lang, ([], []))
        xs.append(hb)
        ys.append(hg)
    alpha = 0.7 if len(sample) < 2000 else 0.25
    size = 14 if len(sample) < 2000 else 5
    for lang in lang_order(by_lang):
        xs, ys = by_lang[lang]
        ax.scatter(xs, ys, s=size, alpha=alpha, color=lang_color(lang), label=lang, linewidths=0)
    values = [v for _, hb, hg in sample for v in (hb, hg)]
    lo, hi = min(values), max(values)
    ax.plot([lo, hi], [lo, hi], color="#444", linestyle="--", linewidth=1, label="h_guide = h_base")
    ax.set_xlabel("h_base (base entropy)")
    ax.set_ylabel("h_guide (guide entropy)")
    ax.set_title("Base vs guide entropy")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return _data_uri(fig)
