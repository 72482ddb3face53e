"""The dbt-duckdb plugin's connection set-up: the warehouse attached again with smaller row groups."""

import subprocess
import sys

import duckdb
import pytest

from udfs.plugin import reattach_with_row_group_size


def row_groups(con, table):
    return con.execute(f"select count(distinct row_group_id) from pragma_storage_info('{table}')").fetchall()[0][0]


def test_reattached_warehouse_keeps_its_name_and_data_and_writes_smaller_row_groups(tmp_path):
    path = tmp_path / "build-200000.duckdb"  # a name that needs quoting as a catalog
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw; create table raw.kept as select 1 as x")
    with duckdb.connect(str(path)) as con:
        reattach_with_row_group_size(con, 16384)
        assert con.execute("select current_database()").fetchall() == [("build-200000",)]
        assert con.sql("select * from raw.kept").fetchall() == [(1,)]
        con.execute("create table big as select range as id from range(100000)")
        assert row_groups(con, "big") == 7  # ceil(100,000 / 16,384); one with the default size
        cursor = con.cursor()  # dbt-duckdb runs every model on a cursor of this connection
        cursor.execute("create table from_cursor as select range as id from range(40000)")
        assert row_groups(cursor, "from_cursor") == 3
        assert {r[0] for r in con.sql("select database_name from duckdb_databases()").fetchall()} == {
            "build-200000",
            "system",
            "temp",
        }
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from big").fetchall() == [(100000,)]


def test_read_only_and_in_memory_connections(tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    with duckdb.connect(str(path), read_only=True) as con:
        reattach_with_row_group_size(con, 16384)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table t (x int)")
    with duckdb.connect() as con:
        reattach_with_row_group_size(con, 16384)  # nothing to attach again
        assert con.execute("select current_database()").fetchall() == [("memory",)]


def test_exit_hook_closes_the_warehouse(tmp_path):
    # a dbt-duckdb environment still open at exit, held in a reference cycle (so only a garbage
    # collection would free it): the hook closes it, DuckDB checkpoints and leaves no WAL
    path = tmp_path / "w.duckdb"
    script = f"""
import atexit
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from udfs.plugin import close_and_publish
import duckdb

class Env:
    def __init__(self):
        self.conn = duckdb.connect({str(path)!r})
        self.conn.execute("create table t as select range as x from range(1000)")
        self.cycle = self
    def close(self):
        self.conn.close()

DuckDBConnectionManager._ENV = Env()
atexit.register(close_and_publish)
"""
    run = subprocess.run(
        [sys.executable, "-c", script], check=True, cwd=str(tmp_path.parent), capture_output=True, text=True
    )
    assert not path.with_name("w.duckdb.wal").exists()
    # DuckDB's objects are still freed at shutdown: its bindings report no leaks
    assert "leaked" not in run.stderr, run.stderr
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchall() == [(1000,)]


def test_plugin_applies_its_duckdb_settings_once_for_every_cursor():
    from udfs.plugin import Plugin

    plugin = Plugin("sftmart", {"settings": {"disabled_compression_methods": "dict_fsst"}})
    with duckdb.connect() as con:
        plugin.configure_connection(con)
        cursor = con.cursor()  # dbt-duckdb runs each node on a new cursor
        assert cursor.execute("select current_setting('disabled_compression_methods')").fetchall() == [("DICT_FSST",)]
        assert cursor.execute("select sftmart_exact_key('A b!')").fetchall() == [("ab",)]
