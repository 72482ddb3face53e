"""`sftmart sql`: ad-hoc SQL on the published warehouse, read-only (the pip `duckdb` package has no
command-line client, and the registry's `duckdb-cli` lags DuckDB's storage version).

    sftmart sql "select lang, count(*) from marts.mart_training_mix group by 1"   # one query
    sftmart sql                                  # a shell: statements end with ';', .quit leaves

Read-only is enforced by DuckDB, not by looking at the SQL: the connection opens the warehouse
read-only with external access off (no COPY TO, no reading or globbing other files, no ATTACH, no
INSTALL or LOAD) and its configuration locked (no SET or PRAGMA can turn that back on). A
statement DuckDB refuses for that prints one `refused:` line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from sftmart.cli_errors import UNBUILT_HINT, no_warehouse

FORMATS = ("table", "csv", "json")
# DuckDB settings of the connection: nothing outside the warehouse file, and no way to change that
LOCKED_DOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
REFUSED = "refused: sftmart sql is read-only and cannot reach files or other databases"
# what DuckDB says when the settings above, or the read-only mode, refuse a statement
_REFUSAL_MARKS = (
    "disabled by configuration",
    "disabled through configuration",
    "configuration has been locked",
    "read-only mode",
)


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with the LOCKED_DOWN settings."""
    return duckdb.connect(str(db_path), read_only=True, config=dict(LOCKED_DOWN))


def error_line(error: duckdb.Error) -> str:
    """One `refused: ...` line when the lock-down or the read-only mode stopped the statement;
    DuckDB's own message otherwise (a mistake in the SQL, with its hints)."""
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if isinstance(error, duckdb.PermissionException) or any(m in first for m in _REFUSAL_MARKS):
        return f"{REFUSED} ({first})"
    if isinstance(error, duckdb.CatalogException) and "does not exist" in first:
        return f"Error: {first} To build it, {UNBUILT_HINT}; `show all tables` lists what is built."
    return f"Error: {error}"


def run_query(con: duckdb.DuckDBPyConnection, sql: str, fmt: str = "table", out=None) -> None:
    """Runs `sql` and writes its result (if any) to `out` as a table, CSV or JSON lines."""
    out = out or sys.stdout
    relation = con.sql(sql)
    if relation is None:  # a statement without a result
        return
    if fmt == "table":
        out.write(str(relation) if relation.shape[0] else f"(no rows) columns: {', '.join(relation.columns)}\n")
        return
    import csv
    import json

    rows = relation.fetchall()
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(relation.columns)
        writer.writerows(rows)
    else:
        for row in rows:
            out.write(json.dumps(dict(zip(relation.columns, row)), ensure_ascii=False, default=str) + "\n")


def shell(con: duckdb.DuckDBPyConnection, fmt: str, stream=None) -> None:
    """A minimal read-eval-print loop over `stream` (stdin): statements end with ';' and may span
    lines; a failing statement prints one line (see error_line) and the loop goes on, as after
    Ctrl-C, which drops the statement being typed or run."""
    stream = stream or sys.stdin
    interactive = stream.isatty()
    if interactive:
        print("sftmart sql (read-only); end statements with ';', .quit to leave", flush=True)
    pending: list[str] = []
    while True:
        if interactive:
            print("... " if pending else "sql> ", end="", flush=True)
        try:
            line = stream.readline()
        except KeyboardInterrupt:
            print(flush=True)
            pending = []
            continue
        if not line or (not pending and line.strip() in (".quit", ".exit")):
            break
        pending.append(line)
        if line.rstrip().endswith(";"):
            statement, pending = "".join(pending), []
            try:
                run_query(con, statement, fmt)
            except duckdb.Error as error:
                print(error_line(error), file=sys.stderr, flush=True)
            except KeyboardInterrupt:
                print("interrupted", file=sys.stderr, flush=True)


def main(db_path: Path, query: str | None, fmt: str = "table") -> int:
    if not db_path.exists():
        print(f"sftmart: {no_warehouse(db_path)}", file=sys.stderr)
        return 1
    with connect(db_path) as con:
        if query:
            try:
                run_query(con, query, fmt)
            except duckdb.Error as error:
                print(error_line(error), file=sys.stderr)
                return 1
        else:
            shell(con, fmt)
    return 0
