"""`sftmart experiment`: the experiment's arms trained and evaluated in one `dbt build`, then the
comparison table (marts.mart_arm_comparison) printed.

The arms are nodes of the one DAG (mart_arm_mixes, mart_arm_adapters, the evaluation and the
comparison); this only sets the vars `arms` and `arm_seeds` and selects the comparison with its
ancestors and the run history, so a build of the experiment trains and evaluates nothing else the
comparison does not need.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TextIO

COMPARISON = "marts.mart_arm_comparison"
MIXES = "marts.mart_arm_mixes"
# the comparison and everything it is made of, plus the run history that records the arm adapters
SELECT = ["+mart_arm_comparison", "training_runs"]
ARMS = ("curated", "random", "length", "kit")
TARGET_ARMS = ("target_dsir", "target_embed")  # draw toward target_root: chosen by name, never by default


def experiment_vars(dbt_vars: dict, arms: list[str], seeds: int) -> dict:
    """The build's vars: the user's, with the arms and the seeds 1..seeds."""
    if seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    return dict(dbt_vars, arms=list(dict.fromkeys(arms)), arm_seeds=list(range(1, seeds + 1)))


COLUMNS = ("arm", "eval set", "lang", "metric", "mean", "random", "delta", "95% CI", "seeds", "verdict")
TOKEN_COLUMNS = ("arm", "seeds", "real tokens", "counted tokens", "trained tokens")


def comparison_rows(db_path: Path) -> tuple[list[tuple], list[tuple]]:
    """The comparison rows, and per arm (arm, seeds, real, counted and trained tokens per seed): real
    and counted from the mixes, trained from the arm's runs in training_runs (tokens_seen)."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(f"""
            select arm, eval_set, lang, metric, mean_value, random_mean, delta_vs_random, ci_low, ci_high,
                   n_seeds, verdict
            from {COMPARISON} order by metric, eval_set, lang, arm""").fetchall()
        tokens = con.execute(f"""
            with mixes as (
                select arm, seed, sum(n_tokens) as real, sum(counted_tokens) as counted from {MIXES} group by all),
            runs as (
                select a.arm, a.seed, r.tokens_seen
                from marts.mart_arm_adapters as a join marts.training_runs as r using (run_id))
            select m.arm, count(*), avg(m.real), avg(m.counted), avg(r.tokens_seen)
            from mixes as m left join runs as r using (arm, seed)
            group by m.arm order by m.arm""").fetchall()
    return rows, tokens


def print_comparison(db_path: Path, out: TextIO | None = None) -> None:
    """The comparison as a rich table on a terminal; elsewhere (a log, CI, a pipe), where rich would
    cut every cell to 80 columns, as CSV: the comparison rows, a blank line, the tokens per arm."""
    out = out if out is not None else sys.stdout
    rows, tokens = comparison_rows(db_path)
    if not out.isatty():
        _print_csv(rows, tokens, out)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out)
    table = Table(title=f"Arms against random ({COMPARISON}; 95% t interval of the paired difference over seeds)")
    for column in COLUMNS:
        table.add_column(
            column, justify="left" if column in ("arm", "eval set", "lang", "metric", "verdict") else "right"
        )
    for arm, eval_set, lang, metric, mean, random_mean, delta, low, high, n, verdict in rows:
        interval = "" if low is None else f"[{low:+.4g}, {high:+.4g}]"
        table.add_row(
            arm, eval_set, lang, metric, _num(mean), _num(random_mean), _num(delta, "+"), interval, str(n), verdict
        )
    console.print(table)
    for arm, n_seeds, real, counted, trained in tokens:
        over = f" ({real / counted:.2f}x what it counted)" if counted and real > counted * 1.0001 else ""
        console.print(
            f"{arm}: {real:,.0f} real tokens per seed ({n_seeds} seeds), {counted:,.0f} counted against the budget"
            f"{over}" + ("" if trained is None else f", {trained:,.0f} trained")
        )
    if not rows:
        console.print("[yellow]no comparison rows: no arm was evaluated (see the build log)[/yellow]")


def _print_csv(rows: list[tuple], tokens: list[tuple], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.replace(" ", "_") for c in COLUMNS[:7]] + ["ci_low", "ci_high", "seeds", "verdict"])
    for arm, eval_set, lang, metric, mean, random_mean, delta, low, high, n, verdict in rows:
        writer.writerow([arm, eval_set, lang, metric, *map(_full, (mean, random_mean, delta, low, high)), n, verdict])
    out.write("\n")
    writer.writerow([c.replace(" ", "_") for c in TOKEN_COLUMNS])
    for arm, n_seeds, real, counted, trained in tokens:
        writer.writerow([arm, n_seeds, *map(_full, (real, counted, trained))])
    if not rows:
        print("no comparison rows: no arm was evaluated (see the build log)", file=sys.stderr)


def _full(value) -> str:
    return "" if value is None else f"{value:.10g}"


def _num(value, sign: str = "") -> str:
    return "" if value is None else f"{value:{sign}.4g}"
