"""mart_arm_curve as a node: each arm's loss curve over the tokens it trained on, one point per
budget fraction (arm_budget_fractions), on the primary metric (held-out response NLL per token),
and the headline "random needs N tokens to match <arm> at budget B": random's curve interpolated
linearly in log tokens between its two measured points whose NLL brackets the arm's."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import pyarrow as pa

from evaluation.arm_comparison import PRIMARY_METRIC

INTERPOLATION = "linear in log tokens"
SCHEMA = pa.schema(
    [
        ("arm", pa.string()),
        ("budget_fraction", pa.float64()),
        ("eval_set", pa.string()),
        ("lang", pa.string()),
        ("metric", pa.string()),
        ("real_tokens", pa.float64()),
        ("value", pa.float64()),
        ("n_seeds", pa.int64()),
        ("random_tokens_to_match", pa.float64()),
        ("tokens_ratio", pa.float64()),
        ("match", pa.string()),
        ("headline", pa.string()),
    ]
)


def tokens_to_match(curve: Sequence[tuple[float, float]], target: float) -> tuple[float | None, str]:
    """The tokens at which a loss curve [(tokens, loss), ...] reaches `target`: the first segment (in
    increasing tokens) whose ends bracket it, interpolated linearly in log tokens. (None, why) when no
    measured segment reaches it: 'beyond the measured range' (the curve stays above the target: more
    tokens than measured) or 'below the measured range' (its fewest tokens already do better)."""
    points = sorted((t, v) for t, v in curve if t and t > 0 and v is not None)
    if not points:
        return None, "no random curve"
    if len(points) == 1:
        return (points[0][0], "measured") if points[0][1] == target else (None, "one random budget: no curve")
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if v0 == target or v1 == target:
            return (t0 if v0 == target else t1), "measured"
        if min(v0, v1) <= target <= max(v0, v1):
            share = (target - v0) / (v1 - v0)
            return math.exp(math.log(t0) + share * (math.log(t1) - math.log(t0))), "interpolated"
    if all(v > target for _, v in points):
        return None, "beyond the measured range"
    return None, "below the measured range"


def headline(arm: str, tokens: float, eval_set: str, lang: str, needed: float | None, match: str) -> str:
    where = f"on {eval_set} ({lang}) held-out NLL"
    if needed is None:
        return f"random does not match {arm} at {tokens:,.0f} tokens {where}: {match}"
    return f"random needs {needed:,.0f} tokens to match {arm} at {tokens:,.0f} tokens {where} ({needed / tokens:.2f}x)"


def curve_node(results, mixes) -> pa.Table:
    """`results`: mart_eval_results (arm, seed, budget_fraction, eval_set, lang, metric, value);
    `mixes`: mart_arm_mixes (arm, seed, budget_fraction, n_tokens). One row per (arm, budget
    fraction, eval set, language) of the primary metric: the means over the arm's seeds."""
    tokens: dict = defaultdict(float)
    for r in mixes.select("arm, seed, budget_fraction, n_tokens").to_arrow_table().to_pylist():
        tokens[(r["arm"], r["seed"], float(r["budget_fraction"]))] += float(r["n_tokens"])
    points: dict = defaultdict(list)  # (arm, fraction, eval_set, lang) -> [(tokens, value)] per seed
    for r in results.to_arrow_table().to_pylist():
        fraction = None if r["budget_fraction"] is None else float(r["budget_fraction"])
        key = (r["arm"], r["seed"], fraction)
        if r["metric"] == PRIMARY_METRIC and key in tokens and r["value"] is not None:
            points[(r["arm"], fraction, r["eval_set"], r["lang"])].append((tokens[key], float(r["value"])))
    rows = []
    for (arm, fraction, eval_set, lang), seeds in sorted(points.items()):
        real = sum(t for t, _ in seeds) / len(seeds)
        value = sum(v for _, v in seeds) / len(seeds)
        rows.append(dict(arm=arm, budget_fraction=fraction, eval_set=eval_set, lang=lang, metric=PRIMARY_METRIC)
                    | dict(real_tokens=real, value=value, n_seeds=len(seeds)))  # fmt: skip
    random_curves: dict = defaultdict(list)
    for r in rows:
        if r["arm"] == "random":
            random_curves[(r["eval_set"], r["lang"])].append((r["real_tokens"], r["value"]))
    for r in rows:
        if r["arm"] == "random":
            continue
        needed, match = tokens_to_match(random_curves.get((r["eval_set"], r["lang"]), []), r["value"])
        r |= {"random_tokens_to_match": needed, "match": match}
        r["tokens_ratio"] = None if needed is None else needed / r["real_tokens"]
        r["headline"] = headline(r["arm"], r["real_tokens"], r["eval_set"], r["lang"], needed, match)
    return pa.Table.from_pylist(rows, schema=SCHEMA)
