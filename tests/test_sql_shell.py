"""`sftmart sql`: the README's ad-hoc query runs as written, read-only, on a built warehouse."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def readme_sql_lines() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if re.match(r'\s*sftmart sql "', line)]


def sftmart(args: list[str], db_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sftmart.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ, SFTMART_DB=str(db_path)),
        cwd=REPO,
        timeout=120,
    )


def test_the_readme_query_runs_as_written(validated_warehouse):
    _, db_path, _ = validated_warehouse
    lines = readme_sql_lines()
    assert lines, "the README shows no `sftmart sql` line"
    with duckdb.connect(str(db_path), read_only=True) as con:
        mix = dict(con.execute("select lang, count(*) from marts.mart_training_mix group by 1").fetchall())
    for line in lines:
        query = shlex.split(line)[2]
        done = sftmart(["sql", query], db_path)
        assert done.returncode == 0, done.stderr
        columns = re.match(r"select (.*?) from ", query).group(1).split(", ")
        for column in filter(re.compile(r"\w+").fullmatch, columns):
            assert column in done.stdout, done.stdout
        if "marts.mart_training_mix group by 1" in query:
            for lang, n in mix.items():
                assert re.search(rf"│ {lang}\s+│\s+{n}\s+│", done.stdout), done.stdout


def test_one_query_as_csv_and_a_shell_that_survives_errors(validated_warehouse):
    _, db_path, _ = validated_warehouse
    done = sftmart(["sql", "--format", "csv", "select count(*) as n from raw.alpaca_cot_records"], db_path)
    assert done.returncode == 0 and done.stdout.splitlines()[0] == "n" and int(done.stdout.splitlines()[1]) > 0
    shell = sftmart(
        ["sql", "--format", "json"],
        db_path,
        stdin="select 1 as a;\nselect nope;\nselect 2\n as b;\ncreate table x (y int);\n.quit\n",
    )
    assert shell.stdout.splitlines() == ['{"a": 1}', '{"b": 2}']
    assert "nope" in shell.stderr and "read-only" in shell.stderr


def test_a_missing_warehouse_says_what_to_do(tmp_path):
    done = sftmart(["sql", "select 1"], tmp_path / "none.duckdb")
    assert done.returncode == 1 and "sftmart build" in done.stderr
