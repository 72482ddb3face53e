"""A build copy starts empty and carries what the run does not rebuild (sftmart/carry.py): every
table and view outside the run's rebuild arrives as the published file holds it, its log included;
views that read a rebuilt table come last; a run whose carry did not happen never publishes; and a
no-op rebuild neither loses a relation nor grows the file."""

from __future__ import annotations

import duckdb
import pytest
from conftest import copy_of_validated, dbt_process

from sftmart import carry
from udfs import plugin


def published_file(path):
    """A small published warehouse: a landing table, a pool, views over both (one reading another
    whose name sorts after it), and a commit left in the write-ahead log."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw; create schema marts")
        con.execute("create table raw.landing as select range as id, 'row ' || range as text from range(1000)")
        con.execute("create table marts.pool as select id from raw.landing where id % 2 = 0")
        con.execute("create view marts.b_recent as select * from raw.landing where id >= 990")
        con.execute("create view marts.a_recent_ids as select id from marts.b_recent")
        con.execute("create view marts.pool_size as select count(*) as n from marts.pool")
        con.execute("checkpoint")
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("insert into raw.landing values (1000, 'committed, only in the log')")
    assert path.with_name(path.name + ".wal").exists()


def carried_into(tmp_path, rebuilt):
    published = tmp_path / "published.duckdb"
    published_file(published)
    build = tmp_path / "build" / "w.duckdb"
    build.parent.mkdir()
    con = duckdb.connect(str(build))
    con.execute(f"attach '{published}' as {carry.PUBLISHED} (read_only)")
    cur = con.cursor()
    carried, deferred = carry.carry_over(cur, "w", rebuilt)
    return con, build, carried, deferred


def test_the_copy_holds_what_the_run_does_not_rebuild_as_published(tmp_path):
    con, _, carried, deferred = carried_into(tmp_path, rebuilt=set())
    names = {(r["schema"], r["name"], r["type"]) for r in carried}
    assert names == {
        ("raw", "landing", "table"),
        ("marts", "pool", "table"),
        ("marts", "b_recent", "view"),
        ("marts", "a_recent_ids", "view"),
        ("marts", "pool_size", "view"),
    }
    assert deferred == []
    assert con.execute("select count(*), max(text) from w.raw.landing").fetchone() == (1001, "row 999")
    assert con.execute("select count(*) from w.marts.a_recent_ids").fetchone()[0] == 11  # the log's row too
    assert con.execute("select n from w.marts.pool_size").fetchone()[0] == 500


def test_what_the_run_rebuilds_is_not_carried_and_views_over_it_wait(tmp_path):
    con, build, carried, deferred = carried_into(tmp_path, rebuilt={"marts.pool"})
    assert ("marts", "pool") not in {(r["schema"], r["name"]) for r in carried}
    assert [(schema, name) for schema, name, _ in deferred] == [("marts", "pool_size")]
    assert (
        con.execute(
            "select count(*) from duckdb_tables() where database_name = 'w' and table_name = 'pool'"
        ).fetchone()[0]
        == 0
    )
    con.execute("create table w.marts.pool as select id from w.raw.landing where id < 10")  # the run rebuilds it
    con.close()
    assert carry.create_deferred_views(build, deferred) is None
    with duckdb.connect(str(build), read_only=True) as done:
        assert done.execute("select n from marts.pool_size").fetchone()[0] == 10


def test_a_view_that_cannot_be_carried_is_named(tmp_path):
    con, build, _, deferred = carried_into(tmp_path, rebuilt={"marts.pool"})
    con.close()  # the run did not rebuild marts.pool after all
    refused = carry.create_deferred_views(build, deferred)
    assert refused and "marts.pool_size" in refused


def test_a_copy_that_was_never_filled_is_not_published(monkeypatch):
    monkeypatch.delenv(plugin.WRAPPER_PID_ENV, raising=False)
    monkeypatch.setattr(plugin._Run, "verdict", "publish")
    monkeypatch.setattr(plugin._Run, "carried", False)
    assert "never filled" in plugin._Run.final_verdict()


@pytest.mark.slow
def test_a_no_op_rebuild_carries_the_rest_and_the_file_does_not_grow(validated_warehouse, tmp_path):
    db_path, dbt_vars = copy_of_validated(validated_warehouse, tmp_path)
    with duckdb.connect(str(db_path)) as con:  # an analyst's table, committed only in the log
        before = {
            f"{s}.{t}": n
            for s, t, n in con.execute("select schema_name, table_name, estimated_size from duckdb_tables()").fetchall()
        }
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("create table main.analyst_notes as select 'keep me' as note")
    size_before = db_path.stat().st_size
    code, out, err = dbt_process("build", db_path, dbt_vars)
    assert code == 0, out[-4000:] + err[-2000:]
    assert "sftmart: carried" in out and "sftmart: published" in err
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select note from main.analyst_notes").fetchall() == [("keep me",)]
        after = {
            f"{s}.{t}": n
            for s, t, n in con.execute("select schema_name, table_name, estimated_size from duckdb_tables()").fetchall()
        }
    history = {name for name in before if name.startswith("validation.") or name == "marts.data_quality_results"}
    assert {k: v for k, v in after.items() if k not in history | {"main.analyst_notes"}} == {
        k: v for k, v in before.items() if k not in history
    }
    assert db_path.stat().st_size < 1.3 * size_before  # a byte copy kept what the rebuild freed
