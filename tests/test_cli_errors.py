"""Issue 22: a user's mistake (a missing warehouse, an unbuilt table, a bad flag) ends every
command in one line on stderr that says what to run instead, with a non-zero exit and no
traceback. Through sftmart.cli.main as `sftmart` calls it; the missing-warehouse funnel of the
issue also as a real process."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest
from conftest import REPO

from sftmart.cli import main


@pytest.fixture
def warehouses(tmp_path, monkeypatch):
    """(missing, empty, not a warehouse): three values of $SFTMART_DB."""
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as con:
        con.execute("create schema marts; create table marts.other as select 1 as a")
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database\n")
    return tmp_path / "missing.duckdb", empty, junk


def one_line(argv: list[str], capsys) -> tuple[int, str]:
    """(exit status, the one stderr line) of `sftmart <argv>`, argparse's exits included."""
    try:
        code = main(argv)
    except SystemExit as done:
        code = done.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out, err
    assert err.count("\n") == 1 and err.startswith(("sftmart", "Error: ")), err
    assert code not in (0, None), (argv, out, err)
    return code, err


CASES = {
    # command line -> what the one line must say
    "funnel": "run `sftmart build`",
    "report": "run `sftmart build`",
    "sql select 1": "run `sftmart build`",
    "gc": "run `sftmart build`",
}


@pytest.mark.parametrize("argv", list(CASES))
def test_a_missing_or_unreadable_warehouse(argv, warehouses, monkeypatch, capsys):
    missing, _, junk = warehouses
    monkeypatch.setenv("SFTMART_DB", str(missing))
    args = argv.split(" ", 1)
    _, err = one_line(args, capsys)
    assert f"no warehouse at {missing}" in err and CASES[argv] in err
    monkeypatch.setenv("SFTMART_DB", str(junk))
    _, err = one_line(args, capsys)
    assert "not a valid DuckDB database file" in err and CASES[argv] in err


@pytest.mark.parametrize(
    "argv, table",
    [
        (["funnel"], "marts.mart_pipeline_funnel"),
        (["report"], "marts.mart_pipeline_funnel"),
        (["sql", "select * from marts.mart_pipeline_funnel"], "mart_pipeline_funnel"),
    ],
)
def test_an_unbuilt_table(argv, table, warehouses, monkeypatch, capsys):
    _, empty, _ = warehouses
    monkeypatch.setenv("SFTMART_DB", str(empty))
    _, err = one_line(argv, capsys)
    assert table in err and "run `sftmart build`" in err
    assert not (empty.parent / "reports").exists()


@pytest.mark.parametrize(
    "argv, says",
    [
        ([], "required: command"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["build", "--nope"], "unrecognized arguments: --nope"),
        (["build", "--vars", "{token_budget: 1"], "is not JSON or YAML"),
        (["build", "--vars", "[1, 2]"], "is not a mapping"),
        (["build", "--raw-root", "/no/such/folder"], "--raw-root /no/such/folder is not a folder"),
        (["experiment", "--seeds", "0"], "--seeds: must be at least 1"),
        (["experiment", "--seeds", "two"], "'two' is not a whole number"),
        (["experiment", "--arms", "best"], "invalid choice: 'best'"),
        (["experiment", "--vars", "]"], "is not JSON or YAML"),
        (["funnel", "--all"], "unrecognized arguments: --all"),
        (["report", "extra"], "unrecognized arguments: extra"),
        (["sql", "--format", "xml", "select 1"], "invalid choice: 'xml'"),
    ],
)
def test_a_bad_flag(argv, says, warehouses, monkeypatch, capsys):
    missing, _, _ = warehouses
    monkeypatch.setenv("SFTMART_DB", str(missing))
    _, err = one_line(argv, capsys)
    assert says in err
    assert "--help" in err or "write e.g." in err or "give the folder" in err
    assert not missing.exists()  # nothing was built


def test_a_build_into_a_folder_that_does_not_exist(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SFTMART_DB", str(tmp_path / "no" / "w.duckdb"))
    for command in ("build", "experiment"):
        _, err = one_line([command], capsys)
        assert "does not exist: create it or set $SFTMART_DB" in err
    assert not (tmp_path / "no").exists()


def test_the_issue_s_funnel_as_a_process(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sftmart.cli", "funnel"],
        capture_output=True,
        text=True,
        env=dict(os.environ, SFTMART_DB=str(tmp_path / "nowhere.duckdb")),
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"sftmart: no warehouse at {tmp_path / 'nowhere.duckdb'}: run `sftmart build` first "
        "(or set $SFTMART_DB to a built warehouse)"
    ]


def test_an_experiment_without_an_evaluation_set(warehouses, monkeypatch, capsys):
    """Issue 24: eval_root none turns the experiment off; asking for one says so, builds nothing."""
    missing, _, _ = warehouses
    monkeypatch.setenv("SFTMART_DB", str(missing))
    _, err = one_line(["experiment", "--vars", "{eval_root: none}"], capsys)
    assert "eval_root: none turns it off" in err and "give eval_root a folder" in err
    assert not missing.exists()
