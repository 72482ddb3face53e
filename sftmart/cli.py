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
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from sftmart.experiment import ARMS, SELECT, TARGET_ARMS, experiment_vars, print_comparison
from sftmart.paths import DBT_PROJECT_DIR, PROFILES_DIR, build_path, warehouse_path
from sftmart.sql_shell import FORMATS

# dbt selector of the validation nodes (and the results view over them), for --no-validate
VALIDATION_NODES = "path:models/validation"


def run_dbt(command: str, dbt_vars: dict, extra_args: list[str] | None = None) -> bool:
    """Runs a dbt command against the sftmart project; True when it succeeded.

    A child process, because dbt-duckdb keeps its database connection open for the life of the
    process it runs in, and the funnel and the report that follow read the file."""
    env = dict(os.environ, SFTMART_DB=str(warehouse_path()))
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # torch threads that spin collapse on shared cores
    dbt_script = Path(sys.executable).with_name("dbt")
    launcher = [str(dbt_script)] if dbt_script.exists() else [sys.executable, "-m", "dbt.cli.main"]
    args = [*launcher, command, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR)]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(args + (extra_args or []), env=env).returncode == 0


def build_args(select: list[str] | None, validate: bool) -> list[str]:
    """The selection arguments of the one `dbt build`."""
    args = ["--select", *select] if select else []
    return args if validate else args + ["--exclude", VALIDATION_NODES]


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
        rows = con.execute("""
            select stage, lang, rows_in, rows_removed, rows_out, tokens_out
            from marts.mart_pipeline_funnel order by stage_order, lang""").fetchall()
        notes = con.execute(
            "select stage, lang, note from marts.mart_pipeline_funnel where note is not null"
        ).fetchall()
        mix = con.execute("""select lang, count(*), sum(n_tokens) from marts.mart_training_mix
                             group by 1 order by 1""").fetchall()
    table = Table(title="Pipeline funnel (marts.mart_pipeline_funnel)")
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
    console.print(f'warehouse: {warehouse_path()}  (try: sftmart sql "select * from marts.mart_pipeline_funnel")')


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sftmart", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (and validate) the whole warehouse: one dbt build")
    build.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    build.add_argument("--vars", default="{}", help="extra dbt vars as JSON or YAML")
    build.add_argument("--select", nargs="+", help="dbt node selection (default: every node)")
    build.add_argument(
        "--no-validate",
        action="store_true",
        help=f"leave out the Great Expectations validation nodes ({VALIDATION_NODES})",
    )
    build.add_argument("--no-report", action="store_true", help="skip the HTML pipeline report")
    experiment = sub.add_parser(
        "experiment", help="train and evaluate the experiment's arms at the mix's budget; print the comparison"
    )
    experiment.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    experiment.add_argument("--vars", default="{}", help="extra dbt vars as JSON or YAML")
    experiment.add_argument(
        "--arms", nargs="+", choices=ARMS + TARGET_ARMS, default=list(ARMS), help="arms (default: all but target_dsir)"
    )
    experiment.add_argument("--seeds", type=int, default=3, help="seeds per arm: 1..N (default 3)")
    experiment.add_argument("--no-report", action="store_true", help="skip the HTML pipeline report")
    sub.add_parser("funnel", help="print the pipeline funnel of the last build")
    sub.add_parser("report", help="write the HTML pipeline report of the last build")
    sql = sub.add_parser("sql", help="ad-hoc SQL on the warehouse, read-only: one query, or a shell without one")
    sql.add_argument("query", nargs="?", help="a SQL statement (omit it for a shell; statements end with ';')")
    sql.add_argument("--format", choices=FORMATS, default="table", help="how results are printed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "funnel":
        print_funnel()
        return 0
    if args.command == "report":
        print(write_report())
        return 0
    if args.command == "sql":
        from sftmart.sql_shell import main as sql_main

        return sql_main(warehouse_path(), args.query, args.format)
    dbt_vars = yaml.safe_load(args.vars) or {}  # JSON is YAML; dbt's own --vars takes both
    if args.command == "experiment":
        dbt_vars = experiment_vars(dbt_vars, args.arms, args.seeds)
        args.select, args.no_validate = SELECT, False
    if args.raw_root:
        dbt_vars["raw_root"] = os.path.abspath(args.raw_root)
    prepare_assets(dbt_vars.get("tokenizer", ""))
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    ok = run_dbt("build", dbt_vars, build_args(args.select, validate=not args.no_validate))
    built = warehouse_path() if ok else build_path(warehouse_path().resolve())  # a failed run is not published
    if built.exists():
        print_validation(started, built)
    if not ok:
        print(
            f"dbt build failed; the nodes downstream of the failure were skipped (see above). "
            f"{warehouse_path()} is unchanged; this run's tables are in {built}.",
            file=sys.stderr,
        )
        return 1
    print_funnel()
    if args.command == "experiment":
        print_comparison(warehouse_path())
    if not args.no_report:
        print(f"pipeline report: {write_report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
