"""Write, audit, publish: a run that fails anywhere leaves the published warehouse byte for byte as
it was, readers never block a build, and two builds of one warehouse never run at once."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import copy_of_validated, dbt_argv, run_dbt

from sftmart.paths import build_path, published_path, read_copy_path
from sftmart.publish import BuildLock, BuildLockTimeout, PublishConflict, identity, prepare_build, publish, recover
from training.pause import PAUSE_AT_ENV, PAUSE_FLAG_ENV


def file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_copy_maps_back_to_its_warehouse(tmp_path):
    published = tmp_path / "w.duckdb"
    build = build_path(published)
    assert build.name == published.name and build.parent.parent.name == "w.duckdb.sftmart"
    assert published_path(build) == published.resolve()
    assert published_path(published) == published.resolve()
    assert published_path(read_copy_path(published, 123)) == published.resolve()


def test_prepare_copies_and_publish_replaces(tmp_path):
    published = tmp_path / "w.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute("create table t as select 1 as x")
    build = prepare_build(published)
    with duckdb.connect(str(build)) as con:
        assert con.execute("select x from t").fetchall() == [(1,)]
        con.execute("insert into t values (2)")
    with duckdb.connect(str(published), read_only=True) as reader:  # a reader during the swap
        publish(build, published)
        assert reader.execute("select count(*) from t").fetchall() == [(1,)]  # still the old file
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchall() == [(2,)]
    assert not build.exists()


def _outside_writer_commits(published, value: int) -> None:
    """A writer outside dbt commits a row and leaves it in the write-ahead log (no checkpoint)."""
    with duckdb.connect(str(published)) as con:
        con.execute("create table if not exists t (x int)")
        con.execute("checkpoint")
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("insert into t values (?)", [value])
    assert published.with_name(published.name + ".wal").exists()


def _rows_of(path) -> set[int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {x for (x,) in con.execute("select x from t").fetchall()}


@pytest.mark.parametrize("stage", ["publish_log_aside", "publish_replaced"])
def test_a_publish_killed_at_any_step_loses_no_commit(tmp_path, stage):
    """kill -9 between the steps of a publish: the published file with the outside writer's log
    (before the copy is in place), or the new file, which holds that log's changes (after)."""
    published = tmp_path / "w.duckdb"
    _outside_writer_commits(published, 1)
    before = identity(published)
    build = prepare_build(published)
    with duckdb.connect(str(build)) as con:
        con.execute("insert into t values (2)")
    flag = tmp_path / "paused"
    script = f"from pathlib import Path; from sftmart.publish import publish; publish(Path({str(build)!r}), Path({str(published)!r}))"
    env = dict(os.environ, **{PAUSE_AT_ENV: stage, PAUSE_FLAG_ENV: str(flag)})
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    recover(published)  # what the next build does first
    assert _rows_of(published) == ({1} if stage == "publish_log_aside" else {1, 2})
    if stage == "publish_log_aside":
        assert identity(published) == before  # exactly the file and log it had
    assert not list(tmp_path.glob("w.duckdb.wal.aside-*"))


def test_a_publish_refuses_when_an_outside_writer_committed_during_the_build(tmp_path):
    published = tmp_path / "w.duckdb"
    _outside_writer_commits(published, 1)
    expected = identity(published)
    build = prepare_build(published)
    duckdb.connect(str(build)).close()  # the build: its copied log replayed and checkpointed
    _outside_writer_commits(published, 5)  # meanwhile
    with pytest.raises(PublishConflict, match="changed while this run built"):
        publish(build, published, expected)
    assert _rows_of(published) == {1, 5} and _rows_of(build) == {1}


def test_a_second_build_waits_then_names_the_holder(tmp_path):
    published = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from sftmart.publish import BuildLock; "
                f"lock = BuildLock(Path({str(published)!r})); print('held', flush=True); time.sleep(30)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(BuildLockTimeout, match=f"pid {holder.pid}"):
            BuildLock(published, timeout_s=1)
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    BuildLock(published, timeout_s=5).release()  # the kernel dropped the dead holder's lock


@pytest.fixture(scope="module")
def published(validated_warehouse, tmp_path_factory):
    """A copy of the session's clean build (conftest.validated_warehouse), with the vars that built it."""
    root = tmp_path_factory.mktemp("wap")
    db_path, dbt_vars = copy_of_validated(validated_warehouse, root)
    return root, db_path, dbt_vars


@pytest.mark.slow
def test_an_empty_input_fails_and_leaves_the_warehouse_as_it_was(published, tmp_path):
    root, db_path, dbt_vars = published
    before = file_digest(db_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run_dbt("build", db_path, dbt_vars | {"raw_root": str(empty)}, check=False)
    assert "Completed with" in out or "ERROR" in out
    assert file_digest(db_path) == before


@pytest.mark.slow
def test_an_input_that_shrinks_a_layer_by_most_of_it_is_blocking(published, tmp_path):
    root, db_path, dbt_vars = published
    before = file_digest(db_path)
    smaller = tmp_path / "smaller"
    shutil.copytree(dbt_vars["raw_root"], smaller)
    shutil.rmtree(smaller / "cot-en")  # most of the English records
    raw_layer = ("--select", "path:models/raw")  # the guard on the first layer is enough, and quicker
    out = run_dbt("build", db_path, dbt_vars | {"raw_root": str(smaller)}, *raw_layer, check=False)
    assert "shrink_guard_alpaca_cot_records" in out and "FAIL" in out
    assert file_digest(db_path) == before
    allowed = dbt_vars | {"raw_root": str(smaller), "max_shrink_share": 1}  # shrinking on purpose
    run_dbt("build", db_path, allowed, *raw_layer)
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute(
            "select count(*) from raw.alpaca_cot_records where source_file like 'cot-en/%'"
        ).fetchall() == [(0,)]
    run_dbt("build", db_path, dbt_vars | {"max_shrink_share": 1}, *raw_layer)  # back to the full input


@pytest.mark.slow
def test_a_reader_does_not_block_a_build_and_a_killed_build_publishes_nothing(published):
    root, db_path, dbt_vars = published
    with duckdb.connect(str(db_path), read_only=True) as reader:
        run_dbt("build", db_path, dbt_vars, "--select", "path:models/raw")
        assert reader.execute("select count(*) from raw.alpaca_cot_records").fetchone()[0] > 0
    before = file_digest(db_path)
    from sftmart.paths import REPO_ROOT

    child = subprocess.Popen(
        dbt_argv("build", dbt_vars),
        cwd=REPO_ROOT,
        env=dict(os.environ, SFTMART_DB=str(db_path)),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    for line in child.stdout:  # kill it in the middle, once the intermediate layer is being written
        if "int_records_cleaned" in line and "OK created" in line:
            os.killpg(child.pid, signal.SIGKILL)
            break
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert file_digest(db_path) == before
    run_dbt("build", db_path, dbt_vars)  # the next build starts from a fresh copy and publishes
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("select count(*) from marts.mart_training_mix").fetchone()[0] > 0


@pytest.mark.slow
def test_commands_that_write_nothing_read_a_snapshot_beside_a_build(published):
    """dbt compile (like docs generate, test, show) neither waits for a build in progress nor
    touches its copy: it reads a snapshot of its own and removes it at exit."""
    root, db_path, dbt_vars = published
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import time; from pathlib import Path; from sftmart.publish import BuildLock; "
                f"lock = BuildLock(Path({str(db_path)!r})); print('held', flush=True); time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        os.environ["SFTMART_LOCK_TIMEOUT"] = "1"  # a compile that took the build lock would fail fast
        try:
            run_dbt("compile", db_path, dbt_vars, "--select", "stg_alpaca_cot__records")
        finally:
            del os.environ["SFTMART_LOCK_TIMEOUT"]
    finally:
        holder.kill()
        holder.wait()
    assert not any((db_path.parent / f"{db_path.name}.sftmart" / "read").iterdir())


def test_the_row_guard_refuses_emptied_and_shrunk_relations_only():
    from sftmart.row_guard import MAY_SHRINK, shrunk

    published = {"marts.m": 10, "raw.r": 10, "raw.kept": 10, "raw.new": 0, "raw.gone": 4, "raw.rejected_records": 5}
    built = {"marts.m": 4, "raw.r": 0, "raw.kept": 6, "raw.new": 0, "raw.rejected_records": 0, "raw.added": 3}
    assert "raw.rejected_records" in MAY_SHRINK
    assert shrunk(published, built, 0.5) == ["raw.gone: 4 -> 0 rows", "raw.r: 10 -> 0 rows", "marts.m: 10 -> 4 rows"]
    assert shrunk(published, built, 1) == ["raw.gone: 4 -> 0 rows", "raw.r: 10 -> 0 rows"]  # empty never passes
    # eval_root: none turns evaluation off: its relations may empty, the others are still guarded
    published, built = {"raw.eval_landing": 9, "staging.stg_eval__records": 3, "raw.r": 10}, {"raw.r": 0}
    assert shrunk(published, built, 0.5, ("eval",)) == ["raw.r: 10 -> 0 rows"]
    assert shrunk(published, built, 0.5) == [
        "raw.eval_landing: 9 -> 0 rows",
        "raw.r: 10 -> 0 rows",
        "staging.stg_eval__records: 3 -> 0 rows",
    ]
