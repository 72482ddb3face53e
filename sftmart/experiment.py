"""`sftmart experiment`: the experiment's arms trained and evaluated in one `dbt build`, then the
comparison table (marts.mart_arm_comparison) and the loss curve's headlines (marts.mart_arm_curve)
printed.

The arms are nodes of the one DAG (mart_arm_mixes, arm_adapters, the evaluation and the
comparison); this only sets the vars `arms`, `arm_seeds` (and `random_draws`) and selects the comparison with its
ancestors and the run history, so a build of the experiment trains and evaluates nothing else the
comparison does not need.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TextIO

from sftmart.vars import experiment_arms

COMPARISON = "marts.mart_arm_comparison"
TOKENS = "marts.mart_arm_tokens"
CURVE = "marts.mart_arm_curve"
# the comparison and the curve and everything they are made of, plus the run history that records the
# arm adapters
SELECT = ["+mart_arm_comparison", "+mart_arm_curve", "training_runs"]
# the arms of dbt_project/macros/experiment_arms.sql; those that draw toward target_root run only when named
ARMS = tuple(arm for arm, spec in experiment_arms().items() if not spec.get("needs_target"))
TARGET_ARMS = tuple(arm for arm, spec in experiment_arms().items() if spec.get("needs_target"))


def experiment_vars(
    dbt_vars: dict, arms: list[str], seeds: int, fractions: list[float] | None = None, random_draws: int | None = None
) -> dict:
    """The build's vars: the user's, with the arms, the seeds 1..seeds, the budget fractions and the
    random arm's draws (when given; the vars' checks refuse a share outside (0, 1])."""
    if seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    out = dict(dbt_vars, arms=list(dict.fromkeys(arms)), arm_seeds=list(range(1, seeds + 1)))
    out |= {"random_draws": random_draws} if random_draws else {}
    return out | ({"arm_budget_fractions": sorted(set(fractions))} if fractions else {})


COLUMNS = (
    "arm", "eval set", "lang", "metric", "mean", "random", "delta", "95% CI", "seeds", "p (Holm)", "beats random",
    "verdict",
)  # fmt: skip
CSV_COLUMNS = (
    "arm", "eval_set", "lang", "metric", "primary", "mean", "random", "delta", "ci_low", "ci_high", "seeds",
    "p_value", "p_holm", "beats_random", "random_draws", "verdict",
)  # fmt: skip
CURVE_COLUMNS = (
    "arm", "budget_fraction", "eval_set", "lang", "real_tokens", "nll", "random_tokens_to_match", "match", "headline",
)  # fmt: skip
TOKEN_COLUMNS = ("arm", "seeds", "real tokens", "counted tokens", "trained tokens")


def comparison_rows(db_path: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The comparison rows; per arm and budget fraction (arm, or arm @fraction below the full budget;
    seeds, real, counted and trained tokens per seed), the means of mart_arm_tokens' whole-mix rows;
    and the curve's rows with a headline (none before the curve table exists)."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(f"""
            select if(budget_fraction = 1, arm, arm || ' @' || budget_fraction) as arm, eval_set, lang, metric,
                   is_primary, mean_value, random_mean, delta_vs_random, ci_low,
                   ci_high, n_seeds, p_value, p_holm, beats_random, n_random_draws, verdict
            from {COMPARISON} order by not is_primary, metric, eval_set, lang, arm, budget_fraction""").fetchall()
        tokens = con.execute(f"""
            select if(budget_fraction = 1, arm, arm || ' @' || budget_fraction), count(*), avg(real_tokens),
                   avg(counted_tokens), avg(trained_tokens)
            from {TOKENS} where lang is null
            group by arm, budget_fraction order by arm, budget_fraction""").fetchall()
        has_curve = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?",
            [CURVE.split(".")[1]],
        ).fetchone()[0]
        curve = (
            con.execute(f"""
                select arm, budget_fraction, eval_set, lang, real_tokens, value, random_tokens_to_match, match,
                       headline
                from {CURVE} where headline is not null order by eval_set, lang, arm, budget_fraction""").fetchall()
            if has_curve
            else []
        )
    return rows, tokens, curve


def print_comparison(db_path: Path, out: TextIO | None = None) -> None:
    """The comparison as a rich table on a terminal; elsewhere (a log, CI, a pipe), where rich would
    cut every cell to 80 columns, as CSV: the comparison rows, a blank line, the tokens per arm."""
    out = out if out is not None else sys.stdout
    rows, tokens, curve = comparison_rows(db_path)
    if not out.isatty():
        _print_csv(rows, tokens, curve, out)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out)
    table = Table(
        title=f"Arms against random ({COMPARISON}): primary metric nll* by a bootstrap over seeds and items, "
        "Holm-corrected; the others by a t interval over seeds, uncorrected"
    )
    for column in COLUMNS:
        table.add_column(
            column, justify="left" if column in ("arm", "eval set", "lang", "metric", "verdict") else "right"
        )
    for arm, eval_set, lang, metric, primary, mean, rnd, delta, low, high, n, _, p_holm, r, k, verdict in rows:
        interval = "" if low is None else f"[{low:+.4g}, {high:+.4g}]"
        table.add_row(
            arm, eval_set, lang, metric + ("*" if primary else ""), _num(mean), _num(rnd), _num(delta, "+"),
            interval, str(n), _num(p_holm), "" if r is None else f"{r} of {k}", verdict,
        )  # fmt: skip
    console.print(table)
    for arm, n_seeds, real, counted, trained in tokens:
        over = f" ({real / counted:.2f}x what it counted)" if counted and real > counted * 1.0001 else ""
        console.print(
            f"{arm}: {real:,.0f} real tokens per seed ({n_seeds} seeds), {counted:,.0f} counted against the budget"
            f"{over}" + ("" if trained is None else f", {trained:,.0f} trained")
        )
    for *_, line in curve:
        console.print(line)
    if not rows:
        console.print("[yellow]no comparison rows: no arm was evaluated (see the build log)[/yellow]")


def _print_csv(rows: list[tuple], tokens: list[tuple], curve: list[tuple], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for arm, eval_set, lang, metric, primary, *numbers, n, p, p_holm, r, k, verdict in rows:
        cells = [*map(_full, numbers), n, _full(p), _full(p_holm), "" if r is None else r, k]
        writer.writerow([arm, eval_set, lang, metric, str(bool(primary)).lower(), *cells, verdict])
    out.write("\n")
    writer.writerow([c.replace(" ", "_") for c in TOKEN_COLUMNS])
    for arm, n_seeds, real, counted, trained in tokens:
        writer.writerow([arm, n_seeds, *map(_full, (real, counted, trained))])
    if curve:
        out.write("\n")
        writer.writerow(CURVE_COLUMNS)
        for arm, fraction, eval_set, lang, real, value, needed, match, line in curve:
            writer.writerow([arm, _full(fraction), eval_set, lang, *map(_full, (real, value, needed)), match, line])
    if not rows:
        print("no comparison rows: no arm was evaluated (see the build log)", file=sys.stderr)


def _full(value) -> str:
    return "" if value is None else f"{value:.10g}"


def _num(value, sign: str = "") -> str:
    return "" if value is None else f"{value:{sign}.4g}"
