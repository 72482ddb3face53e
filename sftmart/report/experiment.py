"""The experiment section: each arm's evaluation per metric (plots), its comparison against the
random arm (marts.mart_arm_comparison), its loss curve over budgets with the headline "random needs
N tokens to match" (marts.mart_arm_curve) and the tokens each arm really trained on."""

from __future__ import annotations

from sftmart.report import queries
from sftmart.report.arm_plots import arm_curve_figure, arm_metric_figure
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
        dict(metric=m, eval_set=e, lang=la, arm=a, primary=bool(primary), mean=mean, random=rnd, delta=d, low=lo)
        | dict(high=hi, n=n, p_holm=p_holm, beats=None if r is None else f"{r} of {k}", verdict=v)
        for m, e, la, a, primary, mean, rnd, d, lo, hi, n, p_holm, r, k, v in queries.arm_comparison(wh)
    ]
    tokens = [
        dict(arm=a, seeds=n, real=float(real), counted=float(counted), ratio=float(real) / float(counted or 1))
        for a, n, real, counted in queries.arm_tokens(wh)
    ]
    curve = queries.arm_curve(wh)
    fractions = {(e, la, a) for e, la, a, *_ in curve}
    return dict(
        ran=True,
        curve_plot=arm_curve_figure([(f"{e} · {la}", a, float(t), float(v)) for e, la, a, t, v, _ in curve])
        if curve and len(fractions) < len(curve)  # some arm at two budgets or more: a curve to draw
        else None,
        headlines=[h for *_, h in curve if h],
        table=queries.ARM_COMPARISON,
        plots=[dict(metric=m, plot=arm_metric_figure(m, points)) for m, points in panels.items()],
        comparison=comparison,
        tokens=tokens,
    )
