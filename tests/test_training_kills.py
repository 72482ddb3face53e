"""Issue 14, finding 3: no training run is lost, whatever is killed when.

A real `dbt build` (of the training runs and everything upstream) on the fixture with a tiny random model is killed with SIGKILL at each stage of
the guide node (training, merge, recording), using the plain test hook of training.pause: the
process stops at the named stage and writes its pid to a flag file; the test then kill -9s it. A
rerun must finish the job, and every run is recorded exactly once in marts.training_runs, the run
the guide table names included; no temporary folder is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import duckdb
import pytest
from conftest import dbt_argv, dbt_process
from lm_fixtures import make_tiny_model_dir
from pipeline_fixture import write_fixture

from sftmart.paths import REPO_ROOT
from training.pause import PAUSE_AT_ENV, PAUSE_FLAG_ENV

pytestmark = pytest.mark.slow

STEPS = 60  # past the step-50 checkpoint (TrainConfig.checkpoint_every), so training has one to resume
PAUSE_TIMEOUT_S = 600
# the adapters and their run history with everything upstream; evaluation and validation, which
# read the adapters but never write a run, are left out to keep the six builds short
SELECTED = ("--select", "+training_runs")


def build(db_path, dbt_vars: dict) -> str:
    """A full `dbt build` that must pass; returns its stdout and stderr together."""
    code, stdout, stderr = dbt_process("build", db_path, dbt_vars, *SELECTED)
    assert code == 0, stdout[-4000:] + stderr[-2000:]
    return stdout + stderr


def build_killed_at(stage: str, db_path, dbt_vars: dict, tmp_path) -> None:
    """Starts `dbt build` with the pause hook at `stage`, waits until it pauses there and kill -9s it."""
    flag, log = tmp_path / f"paused-{stage}", tmp_path / f"killed-{stage}.log"
    env = dict(os.environ, SFTMART_DB=str(db_path), **{PAUSE_AT_ENV: stage, PAUSE_FLAG_ENV: str(flag)})
    with open(log, "w") as out:
        process = subprocess.Popen(
            dbt_argv("build", dbt_vars, *SELECTED), cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
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
    [(run_id, status)] = query(db_path, "select run_id, status from marts.mart_guide_adapter")
    return run_id, status


def assert_every_run_recorded_once(db_path, adapters) -> None:
    duplicated = query(db_path, "select run_id, count(*) from marts.training_runs group by run_id having count(*) > 1")
    assert duplicated == []
    recorded = {r[0] for r in query(db_path, "select run_id from marts.training_runs")}
    for node in ("guide", "final"):
        [(run_id,)] = query(db_path, f"select run_id from marts.mart_{node}_adapter")
        assert run_id in recorded, f"{node} names run {run_id}, which is in no table"
        assert json.loads((adapters / node / "run.json").read_text())["run_id"] == run_id
    leftovers = [p.name for node in ("guide", "final") for p in (adapters / node).rglob(".*tmp*")]
    assert leftovers == [] and not (adapters / "guide" / "checkpoints").exists()


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
    checkpoints = db_path.parent / "adapters" / "guide" / "checkpoints"
    assert [p.name for p in checkpoints.iterdir()] == ["step-0000050"]

    output = build(db_path, dbt_vars)
    assert "Resuming from" in output and f"(step 50 of {STEPS})" in output
    run_id, status = guide_run(db_path)
    assert status == "trained" and query(db_path, "select steps from marts.mart_guide_adapter") == [(STEPS,)]
    assert query(db_path, "select count(*) from marts.training_runs") == [(2,)]
    assert_every_run_recorded_once(db_path, db_path.parent / "adapters")


@pytest.mark.parametrize("stage, lora_r", [("merge", 4), ("recording", 2)])
def test_killed_after_training_the_run_is_recorded_once(warehouse, tmp_path, stage, lora_r):
    """A new lora_r changes both adapters' fingerprints, so both train again: two new runs (of two
    steps: these kills come after training, so no checkpoint is needed; a guide trained less keeps
    another learnable set, so the mix may shrink on purpose)."""
    db_path, dbt_vars = warehouse
    dbt_vars = dbt_vars | {"lora_r": lora_r, "max_steps": 2, "max_shrink_share": 1}
    adapters = db_path.parent / "adapters"
    runs_before = query(db_path, "select count(*) from marts.training_runs")[0][0]
    build_killed_at(stage, db_path, dbt_vars, tmp_path)
    killed_run = json.loads((adapters / "guide" / "run.json").read_text())["run_id"]
    if stage == "recording":
        assert query(db_path, "select count(*) from marts.training_runs where run_id = ?", [killed_run]) == [(0,)]
    else:  # the killed merge left its staging folder (a whole model) behind
        assert list((adapters / "guide").glob(".merged.tmp-*"))

    build(db_path, dbt_vars)
    run_id, status = guide_run(db_path)
    assert (run_id, status) == (killed_run, "reused")  # the rerun reuses the trained adapter ...
    assert query(db_path, "select count(*) from marts.training_runs") == [(runs_before + 2,)]
    assert_every_run_recorded_once(db_path, adapters)  # ... and records the run it reused
