"""`sftmart experiment`: the experiment's arms trained and evaluated in one `dbt build`, then the
comparison table (marts.mart_arm_comparison) printed.

The arms are nodes of the one DAG (mart_arm_mixes, mart_arm_adapters, the evaluation and the
comparison); this only sets the vars `arms` and `arm_seeds` and selects the comparison with its
ancestors and the run history, so a build of the experiment trains and evaluates nothing else the
comparison does not need.
"""

from __future__ import annotations

from pathlib import Path

COMPARISON = "marts.mart_arm_comparison"
MIXES = "marts.mart_arm_mixes"
# the comparison and everything it is made of, plus the run history that records the arm adapters
SELECT = ["+mart_arm_comparison", "training_runs"]
ARMS = ("curated", "random", "length", "kit")
TARGET_ARMS = ("target_dsir",)  # draw toward target_root: chosen by name, never by default


def experiment_vars(dbt_vars: dict, arms: list[str], seeds: int) -> dict:
    """The build's vars: the user's, with the arms and the seeds 1..seeds."""
    if seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {seeds}")
    return dict(dbt_vars, arms=list(dict.fromkeys(arms)), arm_seeds=list(range(1, seeds + 1)))


def comparison_rows(db_path: Path) -> tuple[list[tuple], list[tuple]]:
    """The comparison rows, and (arm, seeds, real tokens, counted tokens) per arm from the mixes."""
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(f"""
            select arm, eval_set, lang, metric, mean_value, random_mean, delta_vs_random, ci_low, ci_high,
                   n_seeds, verdict
            from {COMPARISON} order by metric, eval_set, lang, arm""").fetchall()
        tokens = con.execute(f"""
            select arm, count(*), avg(real), avg(counted) from (
                select arm, seed, sum(n_tokens) as real, sum(counted_tokens) as counted from {MIXES} group by all
            ) group by arm order by arm""").fetchall()
    return rows, tokens


def print_comparison(db_path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    rows, tokens = comparison_rows(db_path)
    console = Console()
    table = Table(title=f"Arms against random ({COMPARISON}; 95% t interval of the paired difference over seeds)")
    for column in ("arm", "eval set", "lang", "metric", "mean", "random", "delta", "95% CI", "seeds", "verdict"):
        table.add_column(
            column, justify="left" if column in ("arm", "eval set", "lang", "metric", "verdict") else "right"
        )
    for arm, eval_set, lang, metric, mean, random_mean, delta, low, high, n, verdict in rows:
        interval = "" if low is None else f"[{low:+.4g}, {high:+.4g}]"
        table.add_row(
            arm, eval_set, lang, metric, _num(mean), _num(random_mean), _num(delta, "+"), interval, str(n), verdict
        )
    console.print(table)
    for arm, n_seeds, real, counted in tokens:
        over = f" ({real / counted:.2f}x what it counted)" if counted and real > counted * 1.0001 else ""
        console.print(
            f"{arm}: {real:,.0f} real tokens per seed ({n_seeds} seeds), {counted:,.0f} counted against the budget{over}"
        )
    if not rows:
        console.print("[yellow]no comparison rows: no arm was evaluated (see the build log)[/yellow]")


def _num(value, sign: str = "") -> str:
    return "" if value is None else f"{value:{sign}.4g}"
