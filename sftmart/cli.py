"""`sftmart build`: the whole warehouse, layer by layer, each validated before the next one builds.

raw -> staging -> intermediate -> marts, each a `dbt build` of that folder (models and their dbt
data tests) followed by its Great Expectations suite; an error-severity failure stops the
pipeline there. Then the HTML pipeline report is written next to the warehouse.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from sftmart.paths import DBT_PROJECT_DIR, PROFILES_DIR, warehouse_path

LAYERS = ("raw", "staging", "intermediate", "marts")


def run_dbt(command: str, dbt_vars: dict, extra_args: list[str] | None = None) -> bool:
    """Runs a dbt command against the sftmart project; True when it succeeded.

    A child process, because dbt-duckdb keeps its database connection open for the life of the
    process it runs in, and the validation that follows needs the file."""
    env = dict(os.environ, SFTMART_DB=str(warehouse_path()))
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # torch threads that spin collapse on shared cores
    dbt_script = Path(sys.executable).with_name("dbt")
    launcher = [str(dbt_script)] if dbt_script.exists() else [sys.executable, "-m", "dbt.cli.main"]
    args = [*launcher, command,
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR)]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return subprocess.run(args + (extra_args or []), env=env).returncode == 0


def layer_selector(layer: str) -> list[str]:
    selectors = [f"path:models/{layer}"]
    return selectors + ["path:seeds"] if layer == "raw" else selectors


def prepare_assets(tokenizer: str) -> None:
    """Converts the embedded tokenizer once, outside dbt, so the first build shows it happening."""
    from rich.console import Console

    from sftmart.hf_assets import DEFAULT_TOKENIZER, default_tokenizer_dir

    if tokenizer in ("", DEFAULT_TOKENIZER):
        with Console(stderr=True).status("Preparing the SmolLM2 tokenizer (first run converts the GGUF)"):
            default_tokenizer_dir()


def validate(layer: str, dbt_vars: dict) -> bool:
    from rich.console import Console

    from expectations.runner import validate_layer

    result = validate_layer(layer, str(warehouse_path()), raw_root=dbt_vars.get("raw_root"), dbt_vars=dbt_vars)
    console = Console()
    console.print(result.summary())
    if not result.passed:
        console.print(f"[bold red]Stopped: the {layer} layer failed a blocking expectation; "
                      "later layers were not built.[/bold red]")
    return result.passed


def build_layers(dbt_vars: dict, validate_each: bool) -> bool:
    from rich.console import Console

    for layer in LAYERS:
        Console().rule(f"[bold]{layer} layer")
        # cautious: a test that spans layers runs with the later layer, once all its parents exist
        if not run_dbt("build", dbt_vars, ["--select", *layer_selector(layer), "--indirect-selection", "cautious"]):
            print(f"dbt build of the {layer} layer failed; later layers were not built.", file=sys.stderr)
            return False
        if validate_each and not validate(layer, dbt_vars):
            return False
    return True


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
        notes = con.execute("select stage, lang, note from marts.mart_pipeline_funnel where note is not null").fetchall()
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
    console.print(f"warehouse: {warehouse_path()}  (try: duckdb {warehouse_path()} "
                  "\"select * from marts.mart_pipeline_funnel\")")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sftmart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build (and validate) the whole warehouse")
    build.add_argument("--raw-root", help="input folder (default: the bundled sample)")
    build.add_argument("--vars", default="{}", help="extra dbt vars as JSON")
    build.add_argument("--select", nargs="+", help="dbt node selection (one dbt build, no per-layer validation)")
    build.add_argument("--no-validate", action="store_true", help="skip the Great Expectations suites")
    build.add_argument("--no-report", action="store_true", help="skip the HTML pipeline report")
    sub.add_parser("funnel", help="print the pipeline funnel of the last build")
    sub.add_parser("report", help="write the HTML pipeline report of the last build")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "funnel":
        print_funnel()
        return 0
    if args.command == "report":
        print(write_report())
        return 0
    dbt_vars = json.loads(args.vars)
    if args.raw_root:
        dbt_vars["raw_root"] = os.path.abspath(args.raw_root)
    prepare_assets(dbt_vars.get("tokenizer", ""))
    if args.select:
        ok = run_dbt("build", dbt_vars, ["--select", *args.select])
    else:
        ok = build_layers(dbt_vars, validate_each=not args.no_validate)
    if ok:
        print_funnel()
        if not args.no_report:
            print(f"pipeline report: {write_report()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
