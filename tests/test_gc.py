"""Issue 22: `sftmart gc` removes the artefacts (sftmart/artefacts.py) that the published warehouse
does not refer to and never one it does; --dry-run only lists; it refuses while a build holds the
lock. On a DuckDB file with the model layer's reference columns, through `sftmart.cli.main` (the
same collection on a real trained warehouse: tests/test_training_kills.py)."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from sftmart.artefacts import (
    ADAPTER_TABLES,
    REFERENCE_COLUMNS,
    RETIRED_ADAPTER_TABLES,
    adapter_dir,
    artefacts_root,
    merged_dir,
    training_dir,
)
from sftmart.cli import main
from sftmart.publish import BuildLock


def tree_digest(folder) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def artefact(folder, payload: str):
    (folder / "adapter").mkdir(parents=True)
    (folder / "adapter" / "adapter_model.safetensors").write_text(payload)
    return folder


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A warehouse naming one guide adapter (history and current), its merged model and one arm's
    adapter; beside it an adapter and a merged model of a build that was never published, a
    training folder of a killed run, a staging folder and a folder outside the artefacts."""
    db = tmp_path / "warehouse.duckdb"
    guide = artefact(adapter_dir(db, "guide", "a" * 64), "guide")
    arm = artefact(adapter_dir(db, "curated-1", "b" * 64), "arm")
    merged = artefact(merged_dir(db, "20261206T000000-aaaaaaaaaa-123456"), "merged")
    failed = artefact(adapter_dir(db, "guide", "c" * 64), "failed")
    failed_merge = artefact(merged_dir(db, "20261206T010000-cccccccccc-123456"), "failed merge")
    killed = artefact(training_dir(adapter_dir(db, "final", "d" * 64)), "killed")
    staging = artefact(artefacts_root(db) / "merged" / ".x.tmp-1-deadbeef", "staging")
    legacy = artefact(tmp_path / "adapters" / "guide", "legacy")
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.training_runs as select ? as adapter_path", [str(guide / "adapter")])
        con.execute(
            "create table marts.guide_adapter as select ? as adapter_path, ? as merged_model_path",
            [str(guide / "adapter"), str(merged)],
        )
        con.execute(
            "create table marts.arm_adapters as select ? as adapter_path, null::varchar as merged_model_path",
            [str(arm / "adapter")],
        )
    monkeypatch.setenv("SFTMART_DB", str(db))
    return db, [guide, arm, merged], [failed, failed_merge, killed, staging], legacy


def test_gc_removes_only_what_the_warehouse_does_not_refer_to(published, capsys):
    db, kept, doomed, legacy = published
    assert {c[1] for c in REFERENCE_COLUMNS} >= {"training_runs", *ADAPTER_TABLES}
    before = {path: tree_digest(path) for path in kept + [legacy]}
    assert main(["gc", "--dry-run"]) == 0
    *listed, summary = capsys.readouterr().out.splitlines()
    assert sorted(listed) == sorted(f"would remove {path}" for path in doomed)
    assert all(path.exists() for path in doomed)
    assert summary.startswith("4 unreferenced artefact(s), would free") and "kept 3" in summary

    assert main(["gc"]) == 0
    *listed, summary = capsys.readouterr().out.splitlines()
    assert sorted(listed) == sorted(f"removing {path}" for path in doomed)
    assert not any(path.exists() for path in doomed)
    assert {path: tree_digest(path) for path in kept + [legacy]} == before  # byte for byte
    assert main(["gc"]) == 0 and "0 unreferenced artefact(s)" in capsys.readouterr().out


def test_gc_refuses_while_a_build_holds_the_lock(published, capsys):
    db, kept, doomed, _ = published
    lock = BuildLock(db)
    try:
        assert main(["gc"]) == 1
    finally:
        lock.release()
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("sftmart: not collecting while a build runs: ") and "pid" in err
    assert all(path.exists() for path in doomed + kept)


def test_gc_keeps_what_the_adapter_tables_of_a_warehouse_built_before_their_rename_name(tmp_path, monkeypatch, capsys):
    """A warehouse published before issue 22 renamed mart_guide_adapter, mart_arm_adapters and
    mart_final_adapter has only the old tables (a later build leaves them there): gc keeps what they
    name, the merged guide model included, which training_runs does not name."""
    db = tmp_path / "warehouse.duckdb"
    merged = artefact(merged_dir(db, "20261206T000000-aaaaaaaaaa-123456"), "merged")
    arm = artefact(adapter_dir(db, "curated-1", "b" * 64), "arm")
    final = artefact(adapter_dir(db, "final", "c" * 64), "final")
    failed = artefact(adapter_dir(db, "final", "d" * 64), "failed")
    old_guide, old_final, old_arms = RETIRED_ADAPTER_TABLES
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            f"create table marts.{old_guide} as select null::varchar as adapter_path, ? as merged_model_path",
            [str(merged)],
        )
        for table, folder in ((old_final, final), (old_arms, arm)):
            con.execute(
                f"create table marts.{table} as select ? as adapter_path, null::varchar as merged_model_path",
                [str(folder / "adapter")],
            )
    monkeypatch.setenv("SFTMART_DB", str(db))
    assert main(["gc"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"removing {failed}",
        f"1 unreferenced artefact(s), freed 0.0 MiB; kept 3 that {db.name} refers to (in {artefacts_root(db)})",
    ]
    assert merged.exists() and arm.exists() and final.exists() and not failed.exists()
