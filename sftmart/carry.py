"""What a build copy starts with: what the run will not rebuild, carried from the published file.

A build no longer starts from a byte copy of the whole published warehouse. The copy starts empty,
and the run's on-run-start hook (macros/publish/carry_published.sql) carries into it every table
and view of the published file except the ones this run rebuilds from scratch: the table and view
models and seeds it selected. It carries the incremental models' tables (the landing, the
validation history, `training_runs`), every model outside a `--select`, and anything else the file
holds (an outside writer's table, tables of an older layout), each as it is in the published file
(its write-ahead log included: a read-only attach replays it). So a run writes each table of the
new file once: what it rebuilds by running it, the rest by carrying it; nothing is copied and then
overwritten, and the file holds no space freed by a rebuild (a byte copy doubled in size at the
first no-op rebuild). The publish guarantee is unchanged: the copy is published by one rename,
only when the run passed its audits and the row guard, and never when the carry did not complete
(`udfs.plugin` refuses a copy whose carry did not report).

`carry_over` runs through a cursor of the build's own connection, called by the hook through the
`sftmart_carry_over` function the plugin registers (udfs/plugin.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

PUBLISHED = "published"  # the catalog the plugin attaches the published file as, read-only


def quoted(*parts: str) -> str:
    """A (catalog.)(schema.)name as quoted SQL identifiers."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def published_relations(cur) -> list[tuple[str, str, str, str | None]]:
    """(schema, name, 'table' | 'view', the view's SQL) of every relation of the published file."""
    return cur.execute(
        f"""select schema_name, table_name, 'table', null from duckdb_tables() where database_name = '{PUBLISHED}'
            union all
            select schema_name, view_name, 'view', sql from duckdb_views()
            where database_name = '{PUBLISHED}' and not internal
            order by 3, 1, 2"""
    ).fetchall()


def _create_views(cur, views: list[tuple[str, str, str]]) -> list[tuple[str, str, str, Exception]]:
    """Creates the views, in as many passes as the views they read need (a view is bound when it is
    created, so one that reads another waits for it); returns those that still cannot be created."""
    while views:
        failed = []
        for schema, name, sql in views:
            try:
                cur.execute(sql)
            except Exception as error:  # what it reads is not there yet: next pass, or later
                failed.append((schema, name, sql, error))
        if len(failed) == len(views):
            return failed
        views = [(schema, name, sql) for schema, name, sql, _ in failed]
    return []


def carry_over(cur, catalog: str, rebuilt: set[str]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """Creates in `catalog` (the build copy) every table and view of the published file whose
    'schema.name' is not in `rebuilt`. Returns what it carried ({schema, name, type}) and the views
    it could not create yet because they read a relation the run rebuilds (schema, name, sql):
    `create_deferred_views` creates those once the run is over."""
    cur.execute(f"use {quoted(catalog)}")
    carried, views = [], []
    for schema, name, kind, sql in published_relations(cur):
        if f"{schema}.{name}" in rebuilt:
            continue
        cur.execute(f"create schema if not exists {quoted(catalog, schema)}")
        if kind == "view":
            views.append((schema, name, sql))
            continue
        cur.execute(f"create table {quoted(catalog, schema, name)} as from {quoted(PUBLISHED, schema, name)}")
        carried.append({"schema": schema, "name": name, "type": "table"})
    deferred = [(schema, name, sql) for schema, name, sql, _ in _create_views(cur, views)]
    waiting = {(schema, name) for schema, name, _ in deferred}
    carried += [{"schema": s, "name": n, "type": "view"} for s, n, _ in views if (s, n) not in waiting]
    return carried, deferred


def create_deferred_views(build: Path, views: list[tuple[str, str, str]]) -> str | None:
    """Creates, in the closed build copy, the carried views that read what the run rebuilt; None, or
    why one cannot be created (the run then publishes nothing)."""
    if not views:
        return None
    import duckdb

    from udfs.registry import register_all

    with duckdb.connect(str(build)) as con:
        register_all(con)  # a view may call one of sftmart's functions
        failed = _create_views(con, list(views))
    if failed:
        schema, name, _, error = failed[0]
        return f"the view {schema}.{name} of the published warehouse cannot be carried into the build copy: {error}"
    return None


def carry_function(connection, catalog: str, on_done):
    """The `sftmart_carry_over(rebuilt_json)` function for `connection`: carries through a cursor of
    its own, calls `on_done(deferred_views)` once the carry completed, and returns JSON saying what
    it carried and in how many seconds."""

    def carry(rebuilt_json: str) -> str:
        started = time.monotonic()
        cur = connection.cursor()
        try:
            carried, deferred = carry_over(cur, catalog, set(json.loads(rebuilt_json)))
        finally:
            cur.close()
        on_done(deferred)
        return json.dumps({"carried": carried, "seconds": round(time.monotonic() - started, 2)})

    return carry
