"""mart_arm_comparison as a node: the per-metric comparison of int_arm_metrics_compared (the
arm_comparison macro: paired t interval over seeds, tokens, comparability), with the primary metric
of every evaluation set (PRIMARY_METRIC, held-out response NLL per token) decided afresh from the
per-item NLLs of mart_eval_item_nll (evaluation.arm_stats): a hierarchical bootstrap interval over
seeds and items, the arm's rank among the random arm's draws, and a verdict corrected by Holm over
every primary comparison of the table. Secondary metrics keep their t interval and uncorrected
verdict, marked is_primary = false."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa

from evaluation.arm_stats import beats_random, holm, paired_bootstrap, stable_seed

PRIMARY_METRIC = "nll"
UNDECIDED = ("no random arm to compare", "not comparable", "one seed: no interval")  # kept as the macro says
NEW_FIELDS = [
    pa.field("is_primary", pa.bool_()),
    pa.field("interval_method", pa.string()),
    pa.field("p_value", pa.float64()),
    pa.field("p_holm", pa.float64()),
    pa.field("holm_survives", pa.bool_()),
    pa.field("beats_random", pa.int64()),
    pa.field("n_random_draws", pa.int64()),
]


def item_table(items) -> dict:
    """(arm, budget_fraction, eval_set, lang) -> {seed: {eval_id: (nll_sum, n_tokens)}} of the
    experiment arms."""
    out: dict = defaultdict(lambda: defaultdict(dict))
    for r in items.to_arrow_table().to_pylist():
        if r["seed"] is not None:
            key = (r["arm"], float(r["budget_fraction"]), r["eval_set"], r["lang"])
            out[key][int(r["seed"])][r["eval_id"]] = (r["nll_sum"], r["n_tokens"])
    return out


def per_token(by_item: dict) -> float:
    return sum(s for s, _ in by_item.values()) / sum(n for _, n in by_item.values())


def primary_stats(items: dict, arm: str, fraction: float, eval_set: str, lang: str) -> dict:
    """The bootstrap and rank columns of one (arm, budget fraction, eval set, language) against the
    random arm at the same budget fraction."""
    arm_seeds = items.get((arm, fraction, eval_set, lang), {})
    random_seeds = items.get(("random", fraction, eval_set, lang), {})
    out = {"n_random_draws": len(random_seeds)}
    if arm_seeds and random_seeds:
        out["beats_random"] = beats_random([per_token(v) for v in arm_seeds.values()],
                                           [per_token(v) for v in random_seeds.values()])  # fmt: skip
    seeds = sorted(set(arm_seeds) & set(random_seeds))
    ids = sorted(set.intersection(*(set(arm_seeds[s]) & set(random_seeds[s]) for s in seeds))) if seeds else []
    if len(seeds) >= 2 and ids:
        diff = np.array([[arm_seeds[s][i][0] - random_seeds[s][i][0] for i in ids] for s in seeds])
        n_tokens = np.array([random_seeds[seeds[0]][i][1] for i in ids])
        delta, low, high, p = paired_bootstrap(diff, n_tokens, seed=stable_seed(arm, fraction, eval_set, lang))
        out |= {"delta_vs_random": delta, "ci_low": low, "ci_high": high, "p_value": p}
        out["interval_method"] = f"hierarchical bootstrap: {len(seeds)} seeds x {len(ids)} items"
    return out


def comparison_node(metrics, items) -> pa.Table:
    """`metrics`: int_arm_metrics_compared; `items`: mart_eval_item_nll. One row per row of metrics."""
    table = metrics.to_arrow_table()
    schema = pa.schema(list(table.schema) + NEW_FIELDS)
    rows = table.to_pylist()
    by_item = item_table(items)
    for r in rows:
        r["is_primary"] = r["metric"] == PRIMARY_METRIC
        r["interval_method"] = "t over seeds" if r["ci_low"] is not None else None
        if r["is_primary"]:
            r |= primary_stats(by_item, r["arm"], float(r["budget_fraction"]), r["eval_set"], r["lang"])
    family = [r for r in rows if r["is_primary"] and r["verdict"] not in UNDECIDED and r.get("p_value") is not None]
    adjusted, survives = holm([r["p_value"] for r in family])
    for r, p_holm, kept in zip(family, adjusted, survives):
        better = r["delta_vs_random"] < 0  # lower NLL is better
        r |= {"p_holm": p_holm, "holm_survives": kept}
        r["verdict"] = ("better" if better else "worse") if kept else "no difference"
    return pa.Table.from_pylist(rows, schema=schema)
