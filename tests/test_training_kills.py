"""Issue 14, finding 3: no training run is lost, whatever is killed when.

A real `dbt build` (of the training runs and everything upstream) on the fixture with a tiny random model is killed with SIGKILL at each stage of
the guide node (training, merge, recording), using the plain test hook of training.pause: the
process stops at the named stage and writes its pid to a flag file; the test then kill -9s it. A
rerun must finish the job, and every run is recorded exactly once in marts.training_runs, the run
the guide table names included; no temporary folder is left behind.

Issue 22, one publish for everything a run writes: once a warehouse is published, no build that
trains new adapters and then is killed (while training, after it, or while publishing) or fails an
audit changes the published file or any byte of the artefacts it refers to (sftmart/artefacts.py);
`sftmart gc` then removes what those builds left and keeps every referenced artefact.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import dbt_argv, dbt_process
from dbt_runs import copy_project
from lm_fixtures import make_tiny_model_dir
from pipeline_fixture import write_fixture
from test_gc import tree_digest

from sftmart.artefacts import artefact_of, artefacts_root, referenced_paths
from sftmart.cli import main as sftmart_main
from sftmart.paths import REPO_ROOT
from training.pause import PAUSE_AT_ENV, PAUSE_FLAG_ENV

pytestmark = pytest.mark.slow

STEPS = 60  # past the step-50 checkpoint (TrainConfig.checkpoint_every), so training has one to resume
PAUSE_TIMEOUT_S = 600
# the adapters and their run history with everything upstream; evaluation and validation, which
# read the adapters but never write a run, are left out to keep the builds short
SELECTED = ("--select", "+training_runs")


def build(db_path, dbt_vars: dict) -> str:
    """A full `dbt build` that must pass; returns its stdout and stderr together."""
    code, stdout, stderr = dbt_process("build", db_path, dbt_vars, *SELECTED)
    assert code == 0, stdout[-4000:] + stderr[-2000:]
    return stdout + stderr


def build_killed_at(stage: str, db_path, dbt_vars: dict, tmp_path, selected=SELECTED) -> None:
    """Starts `dbt build` with the pause hook at `stage`, waits until it pauses there and kill -9s it."""
    flag, log = tmp_path / f"paused-{stage}", tmp_path / f"killed-{stage}.log"
    env = dict(os.environ, SFTMART_DB=str(db_path), **{PAUSE_AT_ENV: stage, PAUSE_FLAG_ENV: str(flag)})
    with open(log, "w") as out:
        process = subprocess.Popen(
            dbt_argv("build", dbt_vars, *selected), cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + PAUSE_TIMEOUT_S
        while not flag.exists():
            assert process.poll() is None, f"dbt ended before pausing at {stage}:\n{log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"no pause at {stage} within {PAUSE_TIMEOUT_S} s"
            time.sleep(0.2)
        assert int(flag.read_text()) == process.pid  # the python models run in dbt's own process
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def query(db_path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def guide_run(db_path) -> tuple[str, str]:
    [(run_id, status)] = query(db_path, "select run_id, status from marts.guide_adapter")
    return run_id, status


def assert_every_run_recorded_once(db_path) -> None:
    duplicated = query(db_path, "select run_id, count(*) from marts.training_runs group by run_id having count(*) > 1")
    assert duplicated == []
    recorded = {r[0] for r in query(db_path, "select run_id from marts.training_runs")}
    for node in ("guide", "final"):
        [(run_id, adapter)] = query(db_path, f"select run_id, adapter_path from marts.{node}_adapter")
        assert run_id in recorded, f"{node} names run {run_id}, which is in no table"
        folder = artefact_of(adapter, artefacts_root(db_path))
        assert folder.parent.name == "adapters" and folder.name.startswith(f"{node}-")
        assert json.loads((folder / "run.json").read_text())["run_id"] == run_id
        assert sorted(p.name for p in folder.iterdir()) == ["adapter", "run.json"]  # no checkpoint, no staging
    assert not list((artefacts_root(db_path) / "work").glob("guide-*"))  # trained folders were moved into place


def published_state(db_path) -> dict:
    """The published file's digest, and every file of every artefact folder it refers to."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        folders = {artefact_of(p, artefacts_root(db_path)) for p in referenced_paths(con)}
    assert None not in folders and len(folders) >= 3  # guide, its merged model, final
    file = hashlib.sha256(db_path.read_bytes()).hexdigest()
    return {"file": file} | {str(folder): tree_digest(folder) for folder in sorted(folders)}


def new_adapters(db_path, before: dict) -> list:
    return sorted(p for p in (artefacts_root(db_path) / "adapters").iterdir() if str(p) not in before)


def new_lora_r(r: int) -> dict:
    """Another LoRA rank for the guide and the final adapter (each has its own var), so both
    fingerprints change and both train again."""
    return {"lora_r": r, "guide_lora_r": r}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("kills")
    write_fixture(root / "raw")
    dbt_vars = {
        "raw_root": str(root / "raw"),
        "base_model": str(make_tiny_model_dir(root / "tiny-model")),
        "max_steps": STEPS,
        "train_batch_size": 2,
        "grad_accumulation": 1,
    }
    return root / "warehouse.duckdb", dbt_vars


def test_killed_during_training_resumes_from_its_checkpoint(warehouse, tmp_path):
    db_path, dbt_vars = warehouse
    build_killed_at("training", db_path, dbt_vars, tmp_path)
    [checkpoints] = (artefacts_root(db_path) / "work").glob("guide-*/checkpoints")
    assert [p.name for p in checkpoints.iterdir()] == ["step-0000050"]

    output = build(db_path, dbt_vars)
    assert "Resuming from" in output and f"(step 50 of {STEPS})" in output
    run_id, status = guide_run(db_path)
    assert status == "trained" and query(db_path, "select steps from marts.guide_adapter") == [(STEPS,)]
    assert query(db_path, "select count(*) from marts.training_runs") == [(2,)]
    assert_every_run_recorded_once(db_path)


@pytest.mark.parametrize("stage, lora_r", [("merge", 4), ("recording", 2)])
def test_killed_after_training_the_run_is_recorded_once(warehouse, tmp_path, stage, lora_r):
    """A new lora_r changes both adapters' fingerprints, so both train again: two new runs (of two
    steps: these kills come after training, so no checkpoint is needed; a guide trained less keeps
    another learnable set, so the mix may shrink on purpose)."""
    db_path, dbt_vars = warehouse
    dbt_vars = dbt_vars | new_lora_r(lora_r) | {"max_steps": 2, "max_shrink_share": 1}
    runs_before = query(db_path, "select count(*) from marts.training_runs")[0][0]
    before = published_state(db_path)
    build_killed_at(stage, db_path, dbt_vars, tmp_path)
    assert published_state(db_path) == before  # the new guide adapter is beside, not over, the old
    [guide] = [p for p in new_adapters(db_path, before) if p.name.startswith("guide-")]
    killed_run = json.loads((guide / "run.json").read_text())["run_id"]
    if stage == "recording":
        assert query(db_path, "select count(*) from marts.training_runs where run_id = ?", [killed_run]) == [(0,)]
    else:  # the killed merge left its staging folder (a whole model) behind
        assert list((artefacts_root(db_path) / "merged").glob(f".{killed_run}.tmp-*"))

    build(db_path, dbt_vars)
    run_id, status = guide_run(db_path)
    assert (run_id, status) == (killed_run, "reused")  # the rerun reuses the trained adapter ...
    assert query(db_path, "select count(*) from marts.training_runs") == [(runs_before + 2,)]
    assert_every_run_recorded_once(db_path)  # ... and records the run it reused


def test_killed_while_training_changes_nothing_published(warehouse, tmp_path):
    """Training a new guide (another lora_r) past its first checkpoint, then kill -9."""
    db_path, dbt_vars = warehouse
    before = published_state(db_path)
    build_killed_at("training", db_path, dbt_vars | new_lora_r(3) | {"max_shrink_share": 1}, tmp_path)
    assert published_state(db_path) == before
    assert list((artefacts_root(db_path) / "work").glob("guide-*/checkpoints/step-0000050"))


def test_a_build_that_trains_then_fails_an_audit_changes_nothing_published(warehouse, tmp_path):
    """New adapters (another lora_r) are trained, then a data test on the run history fails (a
    copy of the project with one more test): nothing is published, every published adapter and
    merged model is as it was, byte for byte, and the new ones wait beside them."""
    db_path, dbt_vars = warehouse
    project = copy_project(tmp_path / "project")
    (project / "tests" / "audit_fails_after_training.sql").write_text(
        "-- fails on any recorded run: an audit that fails once the adapters were trained\n"
        "select run_id from {{ ref('training_runs') }}\n"
    )
    before = published_state(db_path)
    code, stdout, stderr = dbt_process(
        "build",
        db_path,
        dbt_vars | new_lora_r(5) | {"max_steps": 2, "max_shrink_share": 1},
        *SELECTED,
        project_dir=project,
    )
    assert code != 0 and "audit_fails_after_training" in stdout, stdout[-3000:]
    assert published_state(db_path) == before
    assert sorted(p.name.split("-")[0] for p in new_adapters(db_path, before)) == ["final", "guide"]


def test_killed_while_publishing_leaves_a_whole_warehouse_and_artefacts(warehouse, tmp_path):
    """kill -9 once the new file is renamed into place (the last step of a publish): the published
    warehouse is the new one, every artefact it refers to is whole, and every artefact the old one
    referred to is there byte for byte."""
    db_path, dbt_vars = warehouse
    before = published_state(db_path)
    changed = dbt_vars | new_lora_r(6) | {"max_steps": 2, "max_shrink_share": 1}
    build_killed_at("publish_replaced", db_path, changed, tmp_path)
    after = published_state(db_path)
    assert after["file"] != before["file"]
    assert {k: tree_digest(Path(k)) for k in before if k != "file"} == {k: v for k, v in before.items() if k != "file"}
    for node in ("guide", "final"):
        [(adapter, config)] = query(db_path, f"select adapter_path, config_json from marts.{node}_adapter")
        assert json.loads(config)["lora_r"] == 6
        folder = artefact_of(adapter, artefacts_root(db_path))
        assert json.loads((folder / "run.json").read_text())["adapter_path"] == adapter
        assert {"adapter_model.safetensors", "adapter_config.json"} <= set(tree_digest(Path(adapter)))


def test_gc_removes_what_killed_and_failed_builds_left_and_keeps_the_rest(warehouse, monkeypatch, capsys):
    """After the builds above: the training folder of the run killed while training, the adapters
    and merged model of the build that failed its audit, merged models no table names any more."""
    db_path, _ = warehouse
    before = published_state(db_path)
    root = artefacts_root(db_path)
    present = {p for kind in ("adapters", "merged", "work") for p in (root / kind).iterdir()}
    monkeypatch.setenv("SFTMART_DB", str(db_path))
    assert sftmart_main(["gc"]) == 0
    removed = {Path(line.removeprefix("removing ")) for line in capsys.readouterr().out.splitlines()[:-1]}
    assert published_state(db_path) == before  # every referenced artefact, byte for byte
    assert removed == present - {Path(k) for k in before if k != "file"}
    assert {p.parent.name for p in removed} == {"adapters", "merged", "work"}
    assert not any(p.exists() for p in removed)
