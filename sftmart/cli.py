"""`sftmart build`: land, clean, filter, dedup and sample the bundled sample (or any raw_root) with dbt."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from sftmart.paths import DBT_PROJECT_DIR, PROFILES_DIR, warehouse_path


def run_dbt(command: str, dbt_vars: dict, extra_args: list[str] | None = None) -> bool:
    """Runs a dbt command against the sftmart project; True when it succeeded.

    A child process, because dbt-duckdb keeps its database connection open for the life of the
    process it runs in."""
    env = dict(os.environ, SFTMART_DB=str(warehouse_path()))
    args = [sys.executable, "-m", "dbt.cli.main", command,
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR)]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(args + (extra_args or []), env=env).returncode == 0


def prepare_assets(tokenizer: str) -> None:
    """Converts the embedded tokenizer once, outside dbt, so the first build shows it happening."""
    from rich.console import Console

    from sftmart.hf_assets import DEFAULT_TOKENIZER, default_tokenizer_dir

    if tokenizer in ("", DEFAULT_TOKENIZER):
        with Console(stderr=True).status("Preparing the SmolLM2 tokenizer (first run converts the GGUF)"):
            default_tokenizer_dir()


def print_funnel() -> None:
    import duckdb
    from rich.console import Console
    from rich.table import Table

    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        rows = con.sql("""
            select stage, lang, rows_in, rows_removed, rows_out, tokens_out, note
            from marts.mart_pipeline_funnel order by stage_order, lang""").fetchall()
        mix = con.sql("""select lang, count(*), sum(n_tokens) from marts.mart_training_mix
                         group by 1 order by 1""").fetchall()
    table = Table(title="Pipeline funnel (marts.mart_pipeline_funnel)")
    for column in ("stage", "lang", "rows in", "removed", "rows out", "tokens out", "note"):
        table.add_column(column, justify="left" if column in ("stage", "lang", "note") else "right")
    for row in rows:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    console = Console()
    console.print(table)
    for lang, n, tokens in mix:
        console.print(f"training mix: {lang}: {n:,} samples, {tokens:,} tokens")
    console.print(f"warehouse: {warehouse_path()}  (try: duckdb {warehouse_path().name} "
                  "\"select * from marts.mart_pipeline_funnel\")")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sftmart", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="dbt build of the whole warehouse")
    build.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    build.add_argument("--vars", default="{}", help="extra dbt vars as JSON")
    build.add_argument("--select", nargs="+", help="dbt node selection")
    sub.add_parser("funnel", help="print the pipeline funnel of the last build")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "funnel":
        print_funnel()
        return 0
    dbt_vars = json.loads(args.vars)
    if args.raw_root:
        dbt_vars["raw_root"] = os.path.abspath(args.raw_root)
    prepare_assets(dbt_vars.get("tokenizer", ""))
    ok = run_dbt("build", dbt_vars, ["--select", *args.select] if args.select else None)
    if ok:
        print_funnel()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
