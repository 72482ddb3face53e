"""Static check of the compiled dbt project: which Python UDFs each model calls, and two rules.

1. A model may only call functions that DuckDB ships or that the sftmart plugin registers.
2. A model that calls a Python UDF must not be a view: UDFs exist only in the connection that
   registered them, so such a view breaks in every other session (`duckdb warehouse.duckdb`).

Reads target/manifest.json after `dbt compile` and parses each model's compiled SQL with sqlglot
(DuckDB dialect).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp

UDF_PREFIX = "sftmart_"


@dataclass
class ModelCalls:
    name: str
    materialized: str
    udfs: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)


@lru_cache(maxsize=1)
def duckdb_builtin_functions() -> frozenset[str]:
    import duckdb

    with duckdb.connect() as con:
        rows = con.sql("select distinct lower(function_name) from duckdb_functions()").fetchall()
    return frozenset(r[0] for r in rows)


def called_functions(sql: str) -> set[str]:
    """Lower-cased names of every function the SQL calls that sqlglot does not model itself."""
    names = set()
    for statement in sqlglot.parse(sql, read="duckdb"):
        if statement is None:
            continue
        for node in statement.find_all(exp.Anonymous):
            names.add(node.name.lower())
    return names


def classify(name: str, materialized: str, sql: str, registered: set[str]) -> ModelCalls:
    calls = ModelCalls(name, materialized)
    builtins = duckdb_builtin_functions()
    for function in called_functions(sql):
        if function in registered:
            calls.udfs.add(function)
        elif function.startswith(UDF_PREFIX) or function not in builtins:
            calls.unknown.add(function)
    return calls


def problems_of(calls: ModelCalls) -> list[str]:
    found = [
        f"{calls.name}: calls {f}(), which neither DuckDB nor the sftmart plugin provides"
        for f in sorted(calls.unknown)
    ]
    if calls.udfs and calls.materialized == "view":
        found.append(
            f"{calls.name}: is a view but calls Python UDF(s) {sorted(calls.udfs)}; "
            "materialize it as a table so other sessions can read it"
        )
    return found


def check_manifest(manifest_path: Path, registered: set[str] | None = None) -> tuple[list[ModelCalls], list[str]]:
    if registered is None:
        from udfs.plugin import CONNECTION_FUNCTIONS
        from udfs.registry import registered_names

        registered = registered_names() | set(CONNECTION_FUNCTIONS)
    manifest = json.loads(Path(manifest_path).read_text())
    report, problems = [], []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node.get("language", "sql") != "sql":
            continue
        sql = node.get("compiled_code")
        if sql is None:
            problems.append(f"{node['name']}: not compiled; run `dbt compile` first")
            continue
        calls = classify(node["name"], node["config"]["materialized"], sql, registered)
        report.append(calls)
        problems += problems_of(calls)
    return sorted(report, key=lambda c: c.name), problems


def main(argv: list[str] | None = None) -> int:
    from sftmart.paths import DBT_PROJECT_DIR

    args = sys.argv[1:] if argv is None else argv
    manifest = Path(args[0]) if args else DBT_PROJECT_DIR / "target" / "manifest.json"
    report, problems = check_manifest(manifest)
    for calls in report:
        if calls.udfs:
            print(f"{calls.name} ({calls.materialized}): {', '.join(sorted(calls.udfs))}")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
