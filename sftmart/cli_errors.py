"""A user's mistake at the command line ends in one line that says what to run instead, never a
traceback: a bad flag, a warehouse that does not exist (or cannot be read), a table that no build
made yet, --vars that are not a mapping, a --raw-root that is not a folder.

`one_line_errors` wraps `sftmart.cli.main`; the checks raise `UserError`, and the two DuckDB errors
a user can cause by pointing a command at the wrong warehouse (a missing table, a file that is not
a warehouse) become a `UserError` there too. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
from pathlib import Path

import yaml

BUILD_HINT = "run `sftmart build` first (or set $SFTMART_DB to a built warehouse)"
UNBUILT_HINT = "run `sftmart build` (a build with --select leaves tables out)"
BAD_FLAG_EXIT = 2  # argparse's own exit status for a usage error


class UserError(Exception):
    """A mistake the user can fix; its message is the one line printed."""


def no_warehouse(path: Path) -> str:
    return f"no warehouse at {path}: {BUILD_HINT}"


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (usage and error on two is argparse's default)."""

    def error(self, message: str):
        self.exit(BAD_FLAG_EXIT, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def at_least_one(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_vars(text: str) -> dict:
    """--vars as a mapping (JSON is YAML; dbt's own --vars takes both)."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at column {where.column + 1}" if where is not None else ""
        raise UserError(
            f"--vars {text!r} is not JSON or YAML{at}: write e.g. --vars '{{\"token_budget\": 2000000}}'"
        ) from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise UserError(f"--vars {text!r} is not a mapping: write e.g. --vars '{{\"token_budget\": 2000000}}'")
    return parsed


def check_build(raw_root: str | None, warehouse: Path) -> None:
    """What a build needs before dbt starts: an input folder, and a folder for the warehouse."""
    if raw_root and not os.path.isdir(raw_root):
        raise UserError(f"--raw-root {raw_root} is not a folder: give the folder of the .json/.jsonl files")
    if not warehouse.parent.is_dir():
        raise UserError(f"the folder of the warehouse {warehouse} does not exist: create it or set $SFTMART_DB")


def require_tables(warehouse: Path, *tables: str) -> None:
    """The warehouse exists and holds each of `tables` ('schema.name')."""
    import duckdb

    if not warehouse.exists():
        raise UserError(no_warehouse(warehouse))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        have = {f"{s}.{t}" for s, t in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()}
        have |= {f"{s}.{t}" for s, t in con.execute("select schema_name, view_name from duckdb_views()").fetchall()}
    missing = [t for t in tables if t not in have]
    if missing:
        raise UserError(f"{warehouse} has no {', '.join(missing)}: {UNBUILT_HINT}")


def _duckdb_line(error: Exception, warehouse: Path) -> str:
    """One line for a missing table or a warehouse that cannot be opened."""
    import duckdb

    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if isinstance(error, duckdb.CatalogException):
        name = re.search(r"with name (\S+) does not exist", first)
        what = name.group(1) if name else first
        return f"{warehouse} has no table {what}: {UNBUILT_HINT}"
    return f"cannot read the warehouse {warehouse} ({first}): {BUILD_HINT}"


def one_line_errors(main):
    """Wraps a CLI main(argv) -> exit status: a UserError (or a DuckDB error a user causes) prints
    one line on stderr and exits 1 (signals are the build's business: sftmart.cli)."""

    @functools.wraps(main)
    def wrapped(argv: list[str] | None = None) -> int:
        import duckdb

        from sftmart.paths import warehouse_path

        try:
            return main(argv)
        except UserError as error:
            print(f"sftmart: {error}", file=sys.stderr)
            return 1
        except (duckdb.CatalogException, duckdb.IOException) as error:
            print(f"sftmart: {_duckdb_line(error, warehouse_path())}", file=sys.stderr)
            return 1

    return wrapped
