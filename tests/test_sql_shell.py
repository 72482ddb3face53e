"""`sftmart sql`: the README's ad-hoc query runs as written, read-only, on a built warehouse; and
nothing typed into it writes a file, reads one outside the warehouse, or reaches another database."""

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

from sftmart.cli import main as sftmart_main
from sftmart.sql_shell import REFUSED


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


@pytest.mark.slow
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


@pytest.mark.slow
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


def escape_payloads(tmp: Path, other: Path) -> list[str]:
    """Statements a read-only shell must refuse: each would write a file, read one outside the
    warehouse, reach another database, or change a setting that would allow one of these."""
    return [
        f"copy (select 42 as x) to '{tmp / 'out.csv'}'",
        f"copy raw.t to '{tmp / 'out.parquet'}' (format parquet)",
        f"export database '{tmp / 'export'}'",
        "select * from read_text('/etc/hostname')",
        "select * from read_csv('/etc/passwd')",
        f"select * from read_csv('{tmp / 'secret.csv'}')",
        "select * from glob('/etc/*')",
        f"attach '{other}' as p (read_only false)",
        f"attach '{other}' as p",
        f"attach '{tmp / 'new.duckdb'}' as n",
        "install httpfs",
        "load httpfs",
        "set enable_external_access = true",
        "set lock_configuration = false",
        "reset enable_external_access",
        "set threads = 1",
        "pragma threads = 1",
        f"set temp_directory = '{tmp / 'spill'}'",
        "create table raw.u (a int)",
        "drop table raw.t",
    ]


def duckdb_file(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema raw; create table raw.t as select range as a from range({rows})")
    return path


def test_sql_cannot_write_or_reach_outside_the_warehouse(tmp_path, monkeypatch, capsys):
    """Each escape through the real entry point (one query, then all in one shell session) is
    refused with one line; no file appears, the other database keeps its table and rows, and
    queries on the warehouse still work."""
    warehouse = duckdb_file(tmp_path / "w.duckdb", 3)
    other = duckdb_file(tmp_path / "other.duckdb", 5)
    (tmp_path / "secret.csv").write_text("s\nhidden\n")
    monkeypatch.setenv("SFTMART_DB", str(warehouse))
    before = sorted(p.name for p in tmp_path.iterdir())
    payloads = escape_payloads(tmp_path, other)
    for payload in payloads:
        code = sftmart_main(["sql", payload])
        out, err = capsys.readouterr()
        assert code == 1, (payload, out)
        assert err.startswith(REFUSED) and err.count("\n") == 1, (payload, err)
        assert "Traceback" not in err and "hidden" not in out and "localhost" not in out
    shell = sftmart(
        ["sql", "--format", "csv"], warehouse, stdin=";\n".join([*payloads, "select sum(a) as s from raw.t;\n"])
    )
    assert shell.returncode == 0 and shell.stdout.splitlines() == ["s", "3"], shell.stdout + shell.stderr
    lines = shell.stderr.splitlines()
    assert len(lines) == len(payloads) and all(line.startswith(REFUSED) for line in lines), shell.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    with duckdb.connect(str(other), read_only=True) as con:
        assert con.execute("select count(*), sum(a) from raw.t").fetchone() == (5, 10)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.t").fetchone() == (3,)
    assert sftmart_main(["sql", "--format", "json", "select count(*) as n from raw.t"]) == 0
    assert capsys.readouterr().out == '{"n": 3}\n'
