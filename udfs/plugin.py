"""dbt-duckdb plugin: registers sftmart's Python UDFs on every connection dbt opens, applies the
DuckDB `settings` of its config once, has the warehouse written in smaller row groups
(`row_group_size`), builds on a copy of the warehouse that is published only when the run passed
(`write_audit_publish`, see sftmart.publish) after closing the warehouse at exit.

At exit a run publishes only when all of these hold: its on-run-end hook said 'publish' (a
`dbt build` whose every node passed and which validated each layer it wrote, see
macros/publish/publish_when_audited.sql); no table or view would be emptied or shrink past
`max_shrink_share` (sftmart.row_guard, for any command and selection); the `sftmart build` that
started it, if one did ($SFTMART_WRAPPER_PID), is still its parent; and the published file did not
change during the run. Otherwise it prints one line saying why, naming the build copy to inspect."""

import atexit
import os
import shutil
import signal
import sys
from pathlib import Path

from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb.sqltypes import BOOLEAN, DOUBLE, VARCHAR

from sftmart import carry, publish, row_guard
from sftmart.paths import warehouse_of, warehouse_state_dir
from udfs.registry import register_all

BOOTSTRAP_CATALOG = "sftmart_reattach"


def _sql_string(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def reattach_with_row_group_size(conn, rows: int) -> None:
    """Detach the connection's database file and attach it again with ROW_GROUP_SIZE `rows`.

    DuckDB scans a table in parallel one row group at a time (122,880 rows by default), so a stage
    of 200k rows gets two unequal tasks, and one of 100k rows runs its Python UDFs on one core.
    The row group size is an ATTACH option and dbt-duckdb attaches the warehouse itself; a fresh
    connection has nothing open yet, so it can be attached again under the same name."""
    name, path, read_only = conn.execute(
        "select database_name, path, readonly from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0]
    if not path or read_only:  # nothing to attach again, or nothing will be written
        return
    options = f"ROW_GROUP_SIZE {int(rows)}"
    conn.execute(f"ATTACH ':memory:' AS {BOOTSTRAP_CATALOG}")
    conn.execute(f"USE {BOOTSTRAP_CATALOG}")
    conn.execute(f"DETACH {carry.quoted(name)}")
    conn.execute(f"ATTACH {_sql_string(path)} AS {carry.quoted(name)} ({options})")
    conn.execute(f"USE {carry.quoted(name)}")
    conn.execute(f"DETACH {BOOTSTRAP_CATALOG}")


# Scalar functions the plugin itself registers on the run's connection (besides udfs.registry's)
CONNECTION_FUNCTIONS = ("sftmart_warehouse_state_dir", "sftmart_run_verdict")
WRITING_COMMANDS = ("build", "run", "seed", "snapshot")  # the dbt commands that build a copy under the lock
WRAPPER_PID_ENV = "SFTMART_WRAPPER_PID"  # set by `sftmart build` for the dbt process it starts


def _command() -> str | None:
    try:
        from dbt.flags import get_flags

        return getattr(get_flags(), "WHICH", None)
    except Exception:  # not inside a dbt command (a test, a script)
        return None


class _Run:
    """This process's build of one warehouse: its lock, its copy, and the verdict of the run's
    on-run-end hook (macros/publish_when_audited.sql), which calls `sftmart_run_verdict`."""

    published: Path | None = None
    build: Path | None = None
    lock: "publish.BuildLock | None" = None
    expected: tuple | None = None  # the published file's identity when the run started
    carried: bool = False  # the on-run-start hook filled the build copy (sftmart.carry)
    deferred_views: list = []  # carried views that read what the run rebuilds: created at the end
    verdict: str = "the run ended before its on-run-end hook gave a verdict"
    max_shrink_share: float = 0.0
    turned_off: tuple[str, ...] = ()  # features the run's vars turned off (row_guard.TURNED_OFF)

    @classmethod
    def start(cls, published: Path) -> Path:
        cls.published = published
        if _command() in WRITING_COMMANDS:
            cls.lock = publish.BuildLock.inherited_from_env(published) or publish.BuildLock(published)
            cls.expected = publish.identity(published)
            cls.build = publish.prepare_build(published, fresh=True)
        else:  # compile, docs, test, show: a snapshot of its own, beside any build in progress
            cls.build = publish.prepare_read_copy(published)
        return cls.build

    @classmethod
    def stopped(cls, signum: int) -> None:
        """SIGTERM to a dbt run of `sftmart build` (the wrapper's, or the kernel's when the wrapper
        died; handled by sftmart.dbt_child's entry point): stop at once, publishing nothing more,
        and say truthfully where things stand (a publish may have just happened)."""
        if cls.published is None:
            os.write(
                2, f"sftmart: dbt stopped by {signal.Signals(signum).name} before it opened the warehouse\n".encode()
            )
            os._exit(128 + signum)
        now = publish.identity(cls.published)[0]
        before = cls.expected[0] if cls.expected else None
        if now is not None and (before is None or now[0] != before[0]):
            state = f"{cls.published} was published"
        elif cls.build is not None and cls.build.exists():
            state = f"{cls.published} is unchanged; this run's copy is {cls.build}"
        else:
            state = f"{cls.published} is unchanged"
        os.write(2, f"sftmart: dbt stopped by {signal.Signals(signum).name}; {state}\n".encode())
        os._exit(128 + signum)

    @classmethod
    def record_carry(cls, deferred_views: list) -> None:
        cls.carried, cls.deferred_views = True, deferred_views

    @classmethod
    def record_verdict(cls, verdict: str, max_shrink_share: float, turned_off: str = "") -> bool:
        cls.verdict, cls.max_shrink_share = verdict, float(max_shrink_share)
        cls.turned_off = tuple(feature for feature in turned_off.split(",") if feature)
        return True

    @classmethod
    def final_verdict(cls) -> str:
        """'publish', or why not: the hook's verdict, the wrapper's life, the carry, then the row guard."""
        wrapper = os.environ.get(WRAPPER_PID_ENV)
        if cls.verdict != "publish":
            return cls.verdict
        if wrapper and str(os.getppid()) != wrapper:
            return f"the sftmart command that started this run (pid {wrapper}) is gone"
        if not cls.carried:
            return "the build copy was never filled with what this run does not rebuild (no on-run-start carry)"
        refused = carry.create_deferred_views(cls.build, cls.deferred_views)
        if refused:
            return refused
        return row_guard.refusal(cls.published, cls.build, cls.max_shrink_share, cls.turned_off) or "publish"

    @classmethod
    def finish(cls) -> None:
        if cls.build is not None and cls.lock is None:  # a read copy: publish nothing, keep nothing
            shutil.rmtree(cls.build.parent, ignore_errors=True)
            cls.build = None
        if cls.lock is None:
            return
        try:
            try:
                verdict = cls.final_verdict()
                if verdict == "publish":
                    publish.publish(cls.build, cls.published, cls.expected)
                    print(f"sftmart: published {cls.published}", file=sys.stderr)
                    return
            except Exception as error:  # a conflict, an unreadable file: say it in one line
                verdict = f"{type(error).__name__}: {error}"
            print(
                f"sftmart: not published ({verdict}); {cls.published} is unchanged; this run's copy is {cls.build}",
                file=sys.stderr,
            )
        finally:
            cls.lock.release()
            cls.lock = None


def attach_published(conn, published: Path) -> None:
    """The published warehouse, read-only, as catalog `published`: what the shrink guards compare
    the build with (an empty catalog before the first publish)."""
    source = str(published) if published.exists() else ":memory:"
    options = " (READ_ONLY)" if published.exists() else ""
    conn.execute(f"ATTACH {_sql_string(source)} AS {carry.PUBLISHED}{options}")


def close_and_publish() -> None:
    """At exit: close dbt-duckdb's DuckDB connection, so DuckDB checkpoints the build copy and no
    write-ahead log is left, then publish the copy when the run passed (_Run.finish).

    (The exit also used to freeze the heap so Python skipped tearing it down; a same-run A/B showed
    it saved ~0.3 s of a build, under the ~0.5 s a trick must buy to stay; see bench/RESULTS.md.)"""
    _close_dbt_duckdb_environment()
    _Run.finish()


def _close_dbt_duckdb_environment() -> None:
    environment = getattr(DuckDBConnectionManager, "_ENV", None)
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()  # drops the environment


class Plugin(BasePlugin):
    def initialize(self, plugin_config):
        self.row_group_size = int(plugin_config.get("row_group_size") or 0)
        self.settings = dict(plugin_config.get("settings") or {})
        self.write_audit_publish = str(plugin_config.get("write_audit_publish", "true")).lower() == "true"
        atexit.unregister(close_and_publish)  # once, however many plugins
        atexit.register(close_and_publish)

    def update_connection_config(self, creds, config):
        """Before dbt-duckdb opens the warehouse: have it open this run's build copy instead."""
        if (
            self.write_audit_publish
            and creds.path not in ("", ":memory:")
            and not creds.path.startswith("md:")
            and "://" not in creds.path
        ):
            creds.path = str(_Run.start(Path(creds.path).resolve()))

    def configure_connection(self, conn):
        for name, value in self.settings.items():  # global settings: once for every cursor
            conn.execute(f"SET {name} = {_sql_string(value)}")
        if self.row_group_size:
            reattach_with_row_group_size(conn, self.row_group_size)
        state_dir = str(warehouse_state_dir(warehouse_of(conn)))
        conn.create_function("sftmart_warehouse_state_dir", lambda: state_dir, [], VARCHAR)
        if _Run.published is not None:
            attach_published(conn, _Run.published)
            conn.create_function(
                "sftmart_run_verdict", _Run.record_verdict, [VARCHAR, DOUBLE, VARCHAR], BOOLEAN, side_effects=True
            )
            if _Run.lock is not None:  # a build copy that starts empty: the on-run-start hook fills it
                catalog = conn.execute("select current_database()").fetchall()[0][0]
                filled = carry.carry_function(conn, catalog, on_done=_Run.record_carry)
                conn.create_function("sftmart_carry_over", filled, [VARCHAR], VARCHAR, side_effects=True)
        register_all(conn)
