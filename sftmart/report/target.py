"""The target section: where each target-aware mix came from (issue 21). For every mix drawn toward
the target examples (marts.mart_mix_target_provenance: the target arms, and the training mix when
its recipe orders by dsir) the share of each source collection, and of each source file, in its
samples and tokens against the random arm's (all seeds pooled); the distribution of DSIR log
importance weights per language (intermediate.int_dsir_pool_weights); the target's provenance."""

from __future__ import annotations

from sftmart.report.formatting import lang_order
from sftmart.report.target_plots import dsir_weights_figure
from sftmart.report.warehouse import Warehouse

PROVENANCE = "marts.mart_mix_target_provenance"
TARGET = "intermediate.int_target_provenance"
ARM_MIXES = "marts.mart_arm_mixes"
TRAINING_MIX = "marts.mart_training_mix"
POOL = "marts.mart_candidate_pool"
WEIGHTS = "intermediate.int_dsir_pool_weights"
RANDOM_ARM = "random"
TOP_FILES = 15
WEIGHT_BINS = 40


def _mix_rows(wh: Warehouse, mixes: list[str]) -> str:
    """(mix, sample_id, n_tokens) of the named mixes ($1: the arms among them, pooled over seeds)."""
    wh.require(ARM_MIXES)
    parts = [f"select arm as mix, sample_id, n_tokens from {ARM_MIXES} where list_contains($1, arm)"]
    if "training_mix" in mixes:
        wh.require(TRAINING_MIX)
        parts.append(f"select 'training_mix' as mix, sample_id, n_tokens from {TRAINING_MIX}")
    return " union all ".join(parts)


def shares(wh: Warehouse, mixes: list[str], by: str) -> list[tuple]:
    """(group, mix, share of samples, share of tokens) per group of the pool column `by`."""
    wh.require(POOL)
    arms = [m for m in mixes if m != "training_mix"]
    return wh.rows(
        f"""with rows as ({_mix_rows(wh, mixes)}),
            grouped as (
                select p.{by} as grp, r.mix, count(*) as n, sum(r.n_tokens) as tokens
                from rows as r join {POOL} as p using (sample_id) group by all)
            select grp, mix, n / sum(n) over (partition by mix), tokens / sum(tokens) over (partition by mix)
            from grouped order by grp, mix""",
        [arms],
    )


def weight_histograms(wh: Warehouse) -> dict[str, tuple[list[float], list[int]]]:
    """Per language with a target model: (bin edges, counts) of the log importance weights."""
    wh.require(WEIGHTS)
    rows = wh.rows(
        f"""with w as (select lang, log_importance_weight as x from {WEIGHTS} where has_target_model),
            r as (select lang, min(x) as lo, greatest(max(x) - min(x), 1e-9) as width from w group by lang)
            select w.lang, r.lo, r.width, least(floor((w.x - r.lo) / r.width * {WEIGHT_BINS}), {WEIGHT_BINS} - 1) as b,
                   count(*)
            from w join r using (lang) group by all order by 1, 4"""
    )
    out: dict[str, tuple[list[float], list[int]]] = {}
    for lang, lo, width, b, n in rows:
        edges, counts = out.setdefault(
            lang, ([lo + width * i / WEIGHT_BINS for i in range(WEIGHT_BINS + 1)], [0] * WEIGHT_BINS)
        )
        counts[int(b)] = n
    return out


def weight_quantiles(wh: Warehouse) -> list[tuple]:
    """(lang, candidates, p10, median, p90) of the log importance weights per language with a target."""
    return wh.rows(
        f"""select lang, count(*), quantile_cont(log_importance_weight, [0.1, 0.5, 0.9])
            from {WEIGHTS} where has_target_model group by lang order by lang"""
    )


def _table(rows: list[tuple], mixes: list[str], limit: int | None = None) -> list[dict]:
    by_group: dict[str, dict] = {}
    for grp, mix, n_share, t_share in rows:
        by_group.setdefault(grp, {})[mix] = (float(n_share), float(t_share))
    table = [
        dict(
            group=grp,
            random=values.get(RANDOM_ARM, (0.0, 0.0)),
            mixes=[(m, values.get(m, (0.0, 0.0))) for m in mixes],
        )
        for grp, values in by_group.items()
    ]
    table.sort(key=lambda r: (-max((s[0] for _, s in r["mixes"]), default=0), str(r["group"])))
    return table[:limit] if limit else table


def target(wh: Warehouse) -> dict:
    """Context of target.html.j2; `ran` is false when no mix was drawn toward a target."""
    wh.require(PROVENANCE)
    provenance = wh.rows(
        f"select mix, seed, n_samples, n_tokens, target_root, target_rows, target_content_hash from {PROVENANCE} order by mix, seed"
    )
    if not provenance:
        return dict(ran=False, table=PROVENANCE)
    mixes = list(dict.fromkeys(m for m, *_ in provenance))
    compared = mixes + [RANDOM_ARM]
    has_random = bool(wh.one(f"select count(*) from {ARM_MIXES} where arm = $1", [RANDOM_ARM])[0])
    histograms = weight_histograms(wh)
    return dict(
        ran=True,
        mixes=mixes,
        share_headers=[(m, "num") for m in compared],
        has_random=has_random,
        target=dict(root=provenance[0][4], rows=provenance[0][5], hash=provenance[0][6]),
        provenance=[dict(mix=m, seed=s, samples=n, tokens=t) for m, s, n, t, *_ in provenance],
        collections=_table(shares(wh, compared, "source_collection"), mixes),
        files=_table(shares(wh, compared, "source_file"), mixes, TOP_FILES),
        quantiles=[
            dict(lang=la, n=n, q=q) for la, n, q in sorted(weight_quantiles(wh), key=lambda r: lang_order([r[0]]))
        ],
        plot=dsir_weights_figure(histograms) if histograms else None,
    )
