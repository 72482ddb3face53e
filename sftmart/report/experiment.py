"""The experiment section: each arm's evaluation per metric (plots), its comparison against the
random arm (marts.mart_arm_comparison) and the tokens each arm really trained on."""

from __future__ import annotations

from sftmart.report import queries
from sftmart.report.arm_plots import arm_metric_figure
from sftmart.report.warehouse import Warehouse


def arms(wh: Warehouse) -> dict:
    """Context of arms.html.j2; `ran` is false when no experiment arm was evaluated."""
    values = queries.arm_values(wh)
    if not values:
        evaluation = queries.evaluation_set(wh)
        return dict(ran=False, table=queries.EVAL_RESULTS, evaluation_off=bool(evaluation) and not evaluation[0])
    panels: dict[str, list[tuple]] = {}
    for metric, eval_set, lang, arm, seed, value in values:
        panels.setdefault(metric, []).append((f"{eval_set} · {lang}", arm, seed, float(value)))
    comparison = [
        dict(metric=m, eval_set=e, lang=la, arm=a, mean=mean, random=rnd, delta=d, low=lo, high=hi, n=n, verdict=v)
        for m, e, la, a, mean, rnd, d, lo, hi, n, v in queries.arm_comparison(wh)
    ]
    tokens = [
        dict(arm=a, seeds=n, real=float(real), counted=float(counted), ratio=float(real) / float(counted or 1))
        for a, n, real, counted in queries.arm_tokens(wh)
    ]
    return dict(
        ran=True,
        table=queries.ARM_COMPARISON,
        plots=[dict(metric=m, plot=arm_metric_figure(m, points)) for m, points in panels.items()],
        comparison=comparison,
        tokens=tokens,
    )
