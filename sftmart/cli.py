"""`sftmart build`: the whole warehouse in one `dbt build`, then the funnel and the HTML report
(`sftmart experiment`: the same build of the experiment's arms, see sftmart.experiment).

The dbt DAG holds every stage and every layer's Great Expectations suite (a validation node per
layer, dbt_project/models/validation/): a blocking expectation fails its layer's node and dbt
skips everything downstream. This wrapper only adds the defaults (the bundled sample, the
tokenizer prepared once), a per-layer validation summary, the funnel and the report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from sftmart.cli_errors import (
    OneLineParser,
    UserError,
    at_least_one,
    check_build,
    one_line_errors,
    parse_vars,
    require_tables,
)
from sftmart.dbt_child import run_dbt
from sftmart.experiment import ARMS, SELECT, TARGET_ARMS, experiment_vars, print_comparison
from sftmart.paths import EVAL_OFF, warehouse_path
from sftmart.sql_shell import FORMATS

# dbt selector of the validation nodes (and the results view over them), for --no-validate
VALIDATION_NODES = "path:models/validation"
FUNNEL = "marts.mart_pipeline_funnel"
MIX = "marts.mart_training_mix"


def build_args(select: list[str] | None, validate: bool) -> list[str]:
    """The selection arguments of the one `dbt build`. A selection also runs every layer's
    validation node, so what it publishes is audited; --no-validate leaves them out, and then the
    run publishes nothing (macros/publish/publish_when_audited.sql): its tables stay in the copy."""
    if not validate:
        return (["--select", *select] if select else []) + ["--exclude", VALIDATION_NODES]
    return ["--select", *select, VALIDATION_NODES] if select else []


def prepare_assets(tokenizer: str) -> None:
    """Converts the embedded tokenizer once, outside dbt, so the first build shows it happening."""
    from rich.console import Console

    from sftmart.hf_assets import DEFAULT_TOKENIZER, default_tokenizer_dir

    if tokenizer in ("", DEFAULT_TOKENIZER):
        with Console(stderr=True).status("Preparing the SmolLM2 tokenizer (first run converts the GGUF)"):
            default_tokenizer_dir()


def print_validation(since: dt.datetime, db_path: Path) -> None:
    """Each layer's verdict from the validation nodes that ran in this build (their result rows),
    read from `db_path`: the published warehouse, or the build copy of a run that was not published."""
    import duckdb
    from rich.console import Console
    from rich.markup import escape

    from expectations.definitions import LAYERS
    from expectations.results import headline

    console = Console()
    with duckdb.connect(str(db_path), read_only=True) as con:
        for layer in LAYERS:
            table = f"validation.validate_{layer}"
            if not con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'validation' and table_name = ?",
                [f"validate_{layer}"],
            ).fetchone()[0]:
                continue
            rows = con.execute(
                f"""
                select run_id, severity, success, message from {table}
                where validated_at = (select max(validated_at) from {table}) and validated_at >= ?
                order by success, severity, suite""",
                [since],
            ).fetchall()
            if not rows:
                continue
            failed = [r for r in rows if not r[2]]
            blocking = sum(r[1] == "error" for r in failed)
            console.print(escape(headline(layer, rows[0][0], len(rows), len(failed), blocking, table)), soft_wrap=True)
            for _, _, _, message in failed:
                console.print(escape(message), soft_wrap=True)


def write_report() -> Path:
    from sftmart.report import write_report as render

    return render(warehouse_path(), warehouse_path().parent / "reports")


def print_funnel() -> None:
    import duckdb
    from rich.console import Console
    from rich.table import Table

    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        rows = con.execute(f"""
            select stage, lang, rows_in, rows_removed, rows_out, tokens_out
            from {FUNNEL} order by stage_order, lang""").fetchall()
        notes = con.execute(f"select stage, lang, note from {FUNNEL} where note is not null").fetchall()
        mix = con.execute(f"select lang, count(*), sum(n_tokens) from {MIX} group by 1 order by 1").fetchall()
    table = Table(title=f"Pipeline funnel ({FUNNEL})")
    for column in ("stage", "lang", "rows in", "removed", "rows out", "tokens out"):
        table.add_column(column, justify="left" if column in ("stage", "lang") else "right")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    console = Console()
    console.print(table)
    for stage, lang, note in notes:
        console.print(f"[yellow]{stage} {lang}: {note}[/yellow]")
    for lang, n, tokens in mix:
        console.print(f"training mix: {lang}: {n:,} samples, {tokens:,} tokens")
    console.print(f'warehouse: {warehouse_path()}  (try: sftmart sql "select * from {FUNNEL}")')


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = OneLineParser(prog="sftmart", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (and validate) the whole warehouse: one dbt build")
    build.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    build.add_argument("--vars", default="{}", help="extra dbt vars as JSON or YAML")
    build.add_argument("--select", nargs="+", help="dbt node selection (default: every node)")
    build.add_argument(
        "--no-validate",
        action="store_true",
        help=f"leave out the Great Expectations validation nodes ({VALIDATION_NODES}); publishes nothing",
    )
    build.add_argument("--no-report", action="store_true", help="skip the HTML pipeline report")
    build.add_argument("--yes", action="store_true", help="build even when the plan exceeds max_build_hours")
    plan = sub.add_parser("plan", help="what a build with these vars would cost, per node, before it runs (read-only)")
    plan.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    plan.add_argument("--vars", default="{}", help="dbt vars as for build (JSON or YAML)")
    plan.add_argument("--within", help="a time to fit, e.g. 1h or 20m: say what to change")
    plan.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    plan.add_argument("--recalibrate", action="store_true", help="measure this machine's throughputs again")
    experiment = sub.add_parser(
        "experiment", help="train and evaluate the experiment's arms at the mix's budget; print the comparison"
    )
    experiment.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    experiment.add_argument("--vars", default="{}", help="extra dbt vars as JSON or YAML")
    experiment.add_argument(
        "--arms",
        nargs="+",
        choices=ARMS + TARGET_ARMS,
        default=list(ARMS),
        help="arms (default: all but " + ", ".join(TARGET_ARMS) + ")",
    )
    experiment.add_argument("--seeds", type=at_least_one, default=3, help="seeds per arm: 1..N (default 3)")
    experiment.add_argument(
        "--random-draws", type=at_least_one, help="random mixes every arm is ranked among (default: --seeds)"
    )
    experiment.add_argument(
        "--budget-fractions", nargs="+", type=float, help="shares of the mix's budget each arm is drawn at, e.g. 0.5 1"
    )
    experiment.add_argument("--no-report", action="store_true", help="skip the HTML pipeline report")
    sub.add_parser("funnel", help="print the pipeline funnel of the last build")
    sub.add_parser("report", help="write the HTML pipeline report of the last build")
    gc = sub.add_parser("gc", help="remove the adapters and merged models the published warehouse does not refer to")
    gc.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    sql = sub.add_parser("sql", help="ad-hoc SQL on the warehouse, read-only: one query, or a shell without one")
    sql.add_argument("query", nargs="?", help="a SQL statement (omit it for a shell; statements end with ';')")
    sql.add_argument("--format", choices=FORMATS, default="table", help="how results are printed")
    return parser.parse_args(argv)


@one_line_errors
def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "funnel":
        require_tables(warehouse_path(), FUNNEL, MIX)
        print_funnel()
        return 0
    if args.command == "report":
        require_tables(warehouse_path(), FUNNEL)
        print(write_report())
        return 0
    if args.command == "gc":
        from sftmart.gc import collect

        collect(warehouse_path(), dry_run=args.dry_run)
        return 0
    if args.command == "sql":
        from sftmart.sql_shell import main as sql_main

        return sql_main(warehouse_path(), args.query, args.format)
    dbt_vars = parse_vars(args.vars)
    check_build(args.raw_root, warehouse_path())
    if args.command == "experiment":
        if dbt_vars.get("eval_root") == EVAL_OFF:
            raise UserError(
                "sftmart experiment compares arms on an evaluation set, and eval_root: none turns it off: "
                "give eval_root a folder of held-out records (or leave it empty for the bundled set)"
            )
        dbt_vars = experiment_vars(dbt_vars, args.arms, args.seeds, args.budget_fractions, args.random_draws)
        args.select, args.no_validate = SELECT, False
    if args.raw_root:
        dbt_vars["raw_root"] = os.path.abspath(args.raw_root)
    if args.command == "plan":
        from sftmart.plan.command import run_plan

        return run_plan(args, dbt_vars, warehouse_path())
    prepare_assets(dbt_vars.get("tokenizer", ""))
    return build_and_report(args, dbt_vars)


def build_and_report(args: argparse.Namespace, dbt_vars: dict) -> int:
    """The one `dbt build` (sftmart.dbt_child), then what this run itself did: its validation
    summaries, and the funnel and the report when it published; one line on where things stand
    when it did not (lost the lock, failed, was refused by the audits or stopped by a signal)."""
    from sftmart.plan.command import STOPPED_EXIT, build_gate
    from sftmart.plan.progress import ProgressLine

    plan = None
    if args.command == "build":
        plan = build_gate(dbt_vars, warehouse_path(), args.yes, args.raw_root)
        if plan is None:
            return STOPPED_EXIT
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    progress = ProgressLine(plan) if plan and not args.select else None
    run = run_dbt("build", dbt_vars, build_args(args.select, validate=not args.no_validate), progress)
    if run.lock_error:
        print(f"sftmart: {run.lock_error}. Nothing was built; {run.published} is unchanged.", file=sys.stderr)
        return 1
    if run.stopped_by is not None:
        print(f"sftmart {args.command} was stopped by {run.stopped_by.name}; {run.state()}.", file=sys.stderr)
        return 128 + int(run.stopped_by)
    built = run.published if run.was_published else run.copy
    if built is not None:
        print_validation(started, built)
    if not run.was_published:
        why = (
            "dbt build failed; the nodes downstream of the failure were skipped"
            if run.returncode
            else "the run was not published"
        )
        print(f"{why} (see above). {run.state()}.", file=sys.stderr)
        return 0 if args.no_validate and run.returncode == 0 else 1
    print_funnel()
    if args.command == "experiment":
        print_comparison(warehouse_path())
    if not args.no_report:
        print(f"pipeline report: {write_report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
