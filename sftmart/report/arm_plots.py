"""The experiment section's figure: one panel per metric, the arms side by side within each
evaluation set and language, every seed a dot and the mean over seeds a line (plots.py's style)."""

from __future__ import annotations

from sftmart.report.plots import _data_uri, _plt

ARM_COLORS = {
    "random": "#8c8c8c", "curated": "#2a7ab0", "length": "#d08a2c", "kit": "#b04a5a",
    "target_dsir": "#2e8b57", "target_embed": "#7a4fb0",
}  # fmt: skip
LOWER_IS_BETTER = ("nll", "perplexity")


def arm_metric_figure(metric: str, points: list[tuple]) -> str:
    """points: (group label, arm, seed, value); groups along x, arms side by side inside a group."""
    plt = _plt()
    groups = list(dict.fromkeys(g for g, *_ in points))
    arms = list(dict.fromkeys(a for _, a, *_ in points))
    width = 0.8 / max(len(arms), 1)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.3 * len(groups) * max(len(arms), 1) * 0.6 + 2), 3.4))
    for i, arm in enumerate(arms):
        color = ARM_COLORS.get(arm, "#555")
        for gi, group in enumerate(groups):
            values = [v for g, a, _, v in points if g == group and a == arm]
            if not values:
                continue
            x = gi - 0.4 + width * (i + 0.5)
            mean = sum(values) / len(values)
            ax.hlines(mean, x - width * 0.4, x + width * 0.4, color=color, linewidth=2, label=arm if gi == 0 else None)
            ax.scatter([x] * len(values), values, s=18, color=color, alpha=0.8, zorder=3, linewidths=0)
    ax.set_xticks(range(len(groups)), groups)
    better = "lower" if metric in LOWER_IS_BETTER else "higher"
    ax.set_ylabel(f"{metric} ({better} is better)")
    ax.set_title(f"{metric}: one dot per seed, line = mean over seeds")
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return _data_uri(fig)


def arm_curve_figure(points: list[tuple]) -> str:
    """points: (group label, arm, real tokens, primary-metric value): one panel per evaluation set and
    language, each arm's loss curve over its trained tokens (log x), one marker per budget fraction."""
    plt = _plt()
    groups = list(dict.fromkeys(g for g, *_ in points))
    fig, axes = plt.subplots(1, len(groups), figsize=(3.6 * len(groups) + 1.4, 3.2), squeeze=False)
    for ax, group in zip(axes[0], groups):
        for arm in dict.fromkeys(a for g, a, *_ in points if g == group):
            curve = sorted((t, v) for g, a, t, v in points if g == group and a == arm)
            ax.plot([t for t, _ in curve], [v for _, v in curve], marker="o", color=ARM_COLORS.get(arm, "#555"),
                    label=arm)  # fmt: skip
        ax.set_xscale("log")
        ax.set_title(group)
        ax.set_xlabel("real tokens trained (log)")
    axes[0][0].set_ylabel("held-out NLL (lower is better)")
    axes[0][-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return _data_uri(fig)
