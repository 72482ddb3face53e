"""The SQL that reads the warehouse for the report: every aggregate is computed in DuckDB.

Histograms are binned in DuckDB and scatters sample at most `MAX_SCATTER_POINTS` rows, so the cost
of a report does not grow with the size of the Python side. Stage names and order come from
`marts.mart_pipeline_funnel`, reason codes from `raw.rejected_records`, thresholds from the seed
`quality_thresholds`, the layer order from `expectations.definitions.LAYERS`: the report repeats
none of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from expectations.definitions import LAYERS
from sftmart.report.warehouse import Warehouse
from sftmart.vars import experiment_arms

LANDING = "raw.alpaca_cot_landing"
REJECTS = "raw.rejected_records"
SCORED = "intermediate.int_records_quality_scored"
FUNNEL = "marts.mart_pipeline_funnel"
POOL = "marts.mart_candidate_pool"
MIX = "marts.mart_training_mix"
EVAL_LANDING = "raw.eval_landing"
EVAL_RECORDS = "intermediate.int_eval_records_filtered"  # the evaluable records
# Read by name (a view over the validation nodes' histories), in `marts` when it is there.
DQ_RESULTS = ("data_quality_results", "marts")
LEARNABILITY_COLUMNS = {"h_base", "h_guide", "lang"}
LEARNABILITY_TABLES = ["marts.mart_sample_learnability", "intermediate.int_samples_learnability"]
# A failed expectation of these severities stops the build; the others are reported.
BLOCKING_SEVERITIES = ("error", "critical")

HIST_BINS = 40
MAX_SCATTER_POINTS = 20_000


def landing_totals(wh: Warehouse) -> tuple | None:
    """(input units, landed, rejected, last load, source files) or None without a landing table."""
    if not wh.has(LANDING):
        return None
    return wh.one(f"""
        select count(*), count(*) filter (where status = 'landed'),
               count(*) filter (where status = 'rejected'), max(loaded_at),
               count(distinct source_file)
        from {LANDING}""")


def evaluation_set(wh: Warehouse) -> tuple | None:
    """(landed evaluation records, evaluable records, eval sets), or None without the evaluation
    tables. No landed record means the build said `eval_root: none`: an eval_root that lands none
    fails the build (dbt_project/models/raw/landing/eval_landing.py)."""
    if not (wh.has(EVAL_LANDING) and wh.has(EVAL_RECORDS)):
        return None
    return wh.one(f"""
        select (select count(*) from {EVAL_LANDING} where status = 'landed'), count(*), count(distinct eval_set)
        from {EVAL_RECORDS}""")


def rows_and_tokens_by_lang(wh: Warehouse, table: str) -> list[tuple] | None:
    """(lang, rows, tokens) of a mart, or None when it does not exist."""
    if not wh.has(table):
        return None
    return wh.rows(f"select lang, count(*), sum(n_tokens)::bigint from {table} group by lang order by lang")


def funnel(wh: Warehouse) -> list[tuple]:
    """One row per stage and language, with the removal reasons as (keys, values) lists."""
    return wh.rows(f"""
        select stage_order, stage, lang, rows_in, rows_removed, rows_out, chars_out,
               tokens_out::bigint, map_keys(removed_by_reason), map_values(removed_by_reason), note
        from {FUNNEL} order by stage_order, lang""")


def reject_codes(wh: Warehouse) -> list[tuple]:
    """Per reject code: count, files, and the first reject (reason, file, position, excerpt)."""
    return wh.rows(f"""
        with counted as (
            select reject_reason_code as code, count(*) as n, count(distinct source_file) as n_files
            from {REJECTS} group by 1
        ),
        example as (
            select reject_reason_code as code, reject_reason, source_file, position, excerpt,
                   row_number() over (partition by reject_reason_code
                                      order by source_file, position nulls first) as rn
            from {REJECTS}
        )
        select c.code, c.n, c.n_files, e.reject_reason, e.source_file, e.position, e.excerpt
        from counted as c join example as e on e.code = c.code and e.rn = 1
        order by c.n desc, c.code""")


def reject_files(wh: Warehouse, limit: int) -> tuple[list[tuple], int]:
    """The `limit` files with most rejects (file, rejects, codes) and how many files have any."""
    files = wh.rows(f"""
        select source_file, count(*), string_agg(distinct reject_reason_code, ', ' order by reject_reason_code)
        from {REJECTS} group by 1 order by 2 desc, 1 limit {int(limit)}""")
    return files, wh.one(f"select count(distinct source_file) from {REJECTS}")[0]


def thresholds(wh: Warehouse) -> list[tuple]:
    """(lang, stat, min, max, origin) from the seed `quality_thresholds`; empty without it."""
    name = wh.find("quality_thresholds", "seeds")
    if not name:
        return []
    origin = "origin" if "origin" in wh.cols(name) else "null"
    return wh.rows(f"select lang, stat, min_value, max_value, {origin} from {name} order by stat, lang")


def histogram(
    wh: Warehouse,
    table: str,
    column: str,
    *,
    log: bool = False,
    include: Iterable[float] = (),
    lower: float | None = None,
    bins: int = HIST_BINS,
) -> tuple[list[float], dict[str, list[int]], bool] | None:
    """Per-language histogram of a column, binned in DuckDB (two scans, no values leave the database).

    Returns (bin edges, counts per language, whether the bins are logarithmic): log bins when `log` is
    asked for and the values span more than a decade and a bit. `include` widens the range (to show
    thresholds), `lower` pins its lower end."""
    lo, hi = wh.one(f"select min({column})::double, max({column})::double from {table} where {column} is not null")
    if lo is None:
        return None
    lo, hi = min([lo, *include]), max([hi, *include])
    if lower is not None:
        lo = min(lo, lower)
    use_log = log and max(hi, 1) / max(lo, 1) > 20
    if use_log:
        expr, a, b = f"log10(greatest({column}, 1))", math.log10(max(lo, 1)), math.log10(max(hi, 1))
    else:
        expr, a, b = f"{column}::double", lo, hi
    if b - a < 1e-9:
        b = a + 1
    width = (b - a) / bins
    per_lang: dict[str, list[int]] = {}
    for lang, k, n in wh.rows(
        f"""
            select lang, least(greatest(floor(({expr} - ?) / ?)::integer, 0), {bins - 1}), count(*)
            from {table} where {column} is not null group by all""",
        [a, width],
    ):
        per_lang.setdefault(lang, [0] * bins)[k] += n
    edges = [a + i * width for i in range(bins + 1)]
    return ([10**e for e in edges] if use_log else edges), per_lang, use_log


def quality_totals(wh: Warehouse) -> tuple[int, int]:
    """(samples scored, samples passing every threshold)."""
    return wh.one(f"select count(*), count(*) filter (where passes_quality) from {SCORED}")


def quality_failures(wh: Warehouse) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """Failing samples per (lang, stat), read from `drop_reasons` ('<stat> ...'), and samples per lang."""
    failing = {
        (lang, stat): n
        for lang, stat, n in wh.rows(f"""
        select lang, split_part(reason, ' ', 1) as stat, count(*)
        from (select lang, unnest(drop_reasons) as reason from {SCORED} where not passes_quality)
        group by all""")
    }
    return failing, dict(wh.rows(f"select lang, count(*) from {SCORED} group by 1"))


def mix_by_lang(wh: Warehouse) -> list[tuple]:
    """(lang, samples, tokens, prompt tokens, response tokens, mean tokens, median tokens)."""
    return wh.rows(f"""
        select lang, count(*), sum(n_tokens)::bigint, sum(n_prompt_tokens)::bigint,
               sum(n_response_tokens)::bigint, avg(n_tokens), median(n_tokens)
        from {MIX} group by lang order by lang""")


def mix_sources(wh: Warehouse, limit: int) -> list[tuple]:
    """The `limit` (source collection, lang) pairs with most tokens in the mix."""
    return wh.rows(f"""
        select source_collection, lang, count(*), sum(n_tokens)::bigint from {MIX}
        group by all order by 4 desc, 1, 2 limit {int(limit)}""")


def _latest_validations(table: str) -> str:
    """The rows of each layer's latest validation run (one validation node per layer)."""
    return f"""
        with runs as (select layer, run_id, max(validated_at) as finished from {table} group by all),
        latest as (select layer, arg_max(run_id, finished) as run_id, max(finished) as finished
                   from runs group by layer)
        select r.*, l.finished as run_at from {table} as r inner join latest as l using (layer, run_id)"""


_LAYER_ORDER = "coalesce(list_position($layers, lower(layer)), 99), layer"
_BLOCKING = "list_contains($blocking, lower(coalesce(severity, 'error')))"


def validation_layers(wh: Warehouse, table: str) -> list[tuple]:
    """Per layer's latest run: (layer, run, finished, expectations, passed, blocking failures,
    other failures, suites), in pipeline order."""
    return wh.con.execute(
        f"""
        select layer, any_value(run_id), max(run_at), count(*), count(*) filter (where success),
               count(*) filter (where not success and {_BLOCKING}),
               count(*) filter (where not success and not {_BLOCKING}),
               count(distinct suite)
        from ({_latest_validations(table)}) group by layer order by {_LAYER_ORDER}""",
        {"layers": list(LAYERS), "blocking": list(BLOCKING_SEVERITIES)},
    ).fetchall()


def validation_failures(wh: Warehouse, table: str) -> list[tuple]:
    """The failed expectations of the latest runs, most severe first:
    (layer, suite, expectation, column, severity, unexpected count, details JSON)."""
    return wh.con.execute(
        f"""
        select layer, suite, expectation, "column", severity, unexpected_count, details::varchar
        from ({_latest_validations(table)}) where not success
        order by case lower(coalesce(severity, 'error')) when 'critical' then 0 when 'error' then 1
                      when 'warning' then 2 else 3 end,
                 {_LAYER_ORDER}, suite, expectation""",
        {"layers": list(LAYERS)},
    ).fetchall()


def validation_runs(wh: Warehouse, table: str) -> int:
    return wh.one(f"select count(distinct run_id) from {table}")[0]


def learnability_by_lang(wh: Warehouse, table: str, has_verdict: bool) -> list[tuple]:
    """(lang, samples, mean h_base, mean h_guide, share with h_guide < h_base, share learnable)."""
    verdict = "avg(is_learnable::int)" if has_verdict else "null"
    return wh.rows(f"""
        select lang, count(*), avg(h_base), avg(h_guide), avg((h_guide < h_base)::int), {verdict}
        from {table} where h_base is not null and h_guide is not null group by lang order by lang""")


def learnability_sample(wh: Warehouse, table: str) -> list[tuple]:
    """(lang, h_base, h_guide) of at most MAX_SCATTER_POINTS samples (a fixed reservoir sample)."""
    return wh.rows(f"""
        select lang, h_base, h_guide from {table}
        where h_base is not null and h_guide is not null
        using sample reservoir({MAX_SCATTER_POINTS} rows) repeatable (42)""")


EVAL_RESULTS = "marts.mart_eval_results"
ARM_COMPARISON = "marts.mart_arm_comparison"
ARM_TOKENS = "marts.mart_arm_tokens"
# the arms of dbt_project/macros/experiment_arms.sql, random (the baseline) first
_ARMS = ["random", *(arm for arm in experiment_arms() if arm != "random")]
ARMS_ORDER = "case arm " + " ".join(f"when '{arm}' then {i}" for i, arm in enumerate(_ARMS)) + f" else {len(_ARMS)} end"
ARM_NAMES = ", ".join(f"'{arm}'" for arm in _ARMS)


def arm_values(wh: Warehouse) -> list[tuple]:
    """(metric, eval_set, lang, arm, seed, value) of every evaluated experiment arm."""
    full_budget = (  # arms drawn at several budget fractions: the plots show the full budget's
        f"and budget_fraction = (select max(budget_fraction) from {EVAL_RESULTS})"
        if "budget_fraction" in wh.require(EVAL_RESULTS)
        else ""
    )
    return wh.rows(f"""
        select * from (
            select metric, eval_set, lang, arm, seed, avg(value) as value
            from {EVAL_RESULTS} where arm in ({ARM_NAMES}) and value is not null {full_budget}
            group by all)
        order by metric, eval_set, lang, {ARMS_ORDER}, seed""")


def arm_comparison(wh: Warehouse) -> list[tuple]:
    wh.require(ARM_COMPARISON)
    return wh.rows(f"""
        select metric, eval_set, lang, if(budget_fraction = 1, arm, arm || ' @' || budget_fraction) as arm,
               is_primary, mean_value, random_mean, delta_vs_random, ci_low, ci_high,
               n_seeds, p_holm, beats_random, n_random_draws, verdict
        from {ARM_COMPARISON} order by not is_primary, metric, eval_set, lang, {ARMS_ORDER}, budget_fraction""")


ARM_CURVE = "marts.mart_arm_curve"


def arm_curve(wh: Warehouse) -> list[tuple]:
    """(eval_set, lang, arm, real_tokens, value, headline) per arm and budget fraction; none without
    the curve table (a warehouse built before it)."""
    if not wh.has(ARM_CURVE):
        return []
    return wh.rows(f"""
        select eval_set, lang, arm, real_tokens, value, headline from {ARM_CURVE}
        order by eval_set, lang, {ARMS_ORDER}, budget_fraction""")


def arm_tokens(wh: Warehouse) -> list[tuple]:
    """(arm, seeds, real tokens per seed, counted tokens per seed) of each arm's mixes at the full
    budget (mart_arm_tokens' whole-mix rows of the largest budget fraction)."""
    wh.require(ARM_TOKENS)
    return wh.rows(f"""
        select * from (
            select arm, count(*), avg(real_tokens), avg(counted_tokens) from {ARM_TOKENS}
            where lang is null and budget_fraction = (select max(budget_fraction) from {ARM_TOKENS})
            group by arm)
        order by {ARMS_ORDER}""")
