"""Issue 24: the wrapper and dbt live and die together, and a build reports only its own state.

A real `sftmart build` (or `sftmart experiment`) on a copy of the session's validated warehouse is
killed once its dbt run has started its first node (a line of dbt's output, so a deterministic
point): SIGTERM, SIGINT or SIGKILL of the wrapper alone. dbt must end, nothing be published, and
what is printed must say so and name the build copy that exists. A second build that meets the
lock meanwhile reports only that. Last, a build stopped just after it published (the pause hook of
training.pause) says it was published and names no copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sftmart.paths import REPO_ROOT, build_path, pid_alive
from sftmart.publish import BuildLock
from training.pause import PAUSE_AT_ENV, PAUSE_FLAG_ENV

pytestmark = pytest.mark.slow
FIRST_NODE = re.compile(r"\d+ of \d+ START (sql|python|seed)")


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def warehouse(validated_warehouse, tmp_path):
    raw_root, db_path, _ = validated_warehouse
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(db_path, published)
    dbt_vars = {"eval_root": str(raw_root.parent / "validated_eval"), "model_layer": False}
    return published, raw_root, dbt_vars


def start(command: str, published: Path, raw_root: Path, dbt_vars: dict, log: Path, *args: str, **env):
    argv = [sys.executable, "-m", "sftmart.cli", command, "--raw-root", str(raw_root), "--no-report"]
    argv += ["--vars", json.dumps(dbt_vars), *args]
    with open(log, "w") as out:
        return subprocess.Popen(
            argv, cwd=REPO_ROOT, env=dict(os.environ, SFTMART_DB=str(published), **env), stdout=out, stderr=out
        )


def wait_for(condition, wrapper: subprocess.Popen, log: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert wrapper.poll() is None, log.read_text()[-4000:]
        assert time.monotonic() < deadline, log.read_text()[-4000:]
        time.sleep(0.1)


def dbt_child(wrapper: subprocess.Popen) -> int:
    """The wrapper's dbt process (beside it the wrapper may have multiprocessing's resource tracker)."""
    children = Path(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children").read_text().split()
    [pid] = [pid for pid in children if b"sftmart.dbt_child" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    return int(pid)


def assert_gone(pid: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, f"dbt (pid {pid}) outlived its wrapper"
        time.sleep(0.1)


@pytest.mark.parametrize(
    "command, sig",
    [("build", signal.SIGTERM), ("build", signal.SIGINT), ("build", signal.SIGKILL), ("experiment", signal.SIGKILL)],
)
def test_a_killed_wrapper_ends_its_dbt_run_and_publishes_nothing(warehouse, tmp_path, command, sig):
    published, raw_root, dbt_vars = warehouse
    before, log = digest(published), tmp_path / "wrapper.log"
    copy = build_path(published.resolve())
    wrapper = start(command, published, raw_root, dbt_vars, log)
    try:
        wait_for(lambda: FIRST_NODE.search(log.read_text()), wrapper, log)  # dbt runs its first node
        child = dbt_child(wrapper)
        if sig == signal.SIGTERM:  # meanwhile a second build meets the lock: it says only that
            loser = subprocess.run(
                [sys.executable, "-m", "sftmart.cli", "build", "--raw-root", str(raw_root), "--no-report"],
                cwd=REPO_ROOT,
                env=dict(os.environ, SFTMART_DB=str(published), SFTMART_LOCK_TIMEOUT="1"),
                capture_output=True,
                text=True,
            )
            said = loser.stdout + loser.stderr
            assert loser.returncode == 1 and f"pid {wrapper.pid}" in said, said[-3000:]
            assert f"Nothing was built; {published.resolve()} is unchanged." in said
            assert "copy" not in said and "validate_" not in said and "PASSED" not in said, said[-3000:]
        os.kill(wrapper.pid, sig)
        code = wrapper.wait(timeout=120)
        assert_gone(child)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
            wrapper.wait()
    said = log.read_text()
    assert digest(published) == before and copy.exists()
    if sig == signal.SIGKILL:  # the kernel told dbt (PR_SET_PDEATHSIG); dbt says where things stand
        assert code == -signal.SIGKILL
        assert f"sftmart: dbt stopped by SIGTERM; {published.resolve()} is unchanged; this run's copy is {copy}" in said
    else:
        assert code == 128 + sig, said[-3000:]
        assert f"sftmart {command} was stopped by {sig.name}; {published.resolve()} is unchanged; " in said
        assert f"this run's tables are in {copy}." in said
    assert "was published" not in said and "sftmart: published" not in said, said[-3000:]
    BuildLock(published, timeout_s=5).release()  # nobody holds the lock any more


def test_a_build_stopped_just_after_publishing_says_it_was_published(warehouse, tmp_path):
    """First, without the suite's $SFTMART_PUBLISH_UNAUDITED, `--no-validate` publishes nothing and
    says so; then with it, the same small selection publishes and is stopped right after."""
    published, raw_root, dbt_vars = warehouse
    before, log, flag = digest(published), tmp_path / "wrapper.log", tmp_path / "paused"
    args = ("--select", "alpaca_cot_landing", "--no-validate")
    wrapper = start("build", published, raw_root, dbt_vars, log, *args, SFTMART_PUBLISH_UNAUDITED="0")
    said = log.read_text() if wrapper.wait(timeout=600) is not None else ""
    assert wrapper.returncode == 0 and digest(published) == before, said[-3000:]
    copy = build_path(published.resolve())
    assert f"the run was not published (see above). {published.resolve()} is unchanged; " in said
    assert f"this run's tables are in {copy}." in said and "runs no audits" not in said
    assert "the raw layer(s) were written without validate_raw passing" in said
    pause = {PAUSE_AT_ENV: "publish_replaced", PAUSE_FLAG_ENV: str(flag)}
    wrapper = start("build", published, raw_root, dbt_vars, log, *args, **pause)
    try:
        wait_for(flag.exists, wrapper, log)
        os.kill(wrapper.pid, signal.SIGTERM)
        code = wrapper.wait(timeout=120)
    finally:
        if wrapper.poll() is None:
            wrapper.kill()
            wrapper.wait()
    said = log.read_text()
    assert code == 128 + signal.SIGTERM and digest(published) != before
    assert f"sftmart build was stopped by SIGTERM; {published.resolve()} was published." in said, said[-3000:]
    assert f"sftmart: dbt stopped by SIGTERM; {published.resolve()} was published" in said
    assert "copy" not in said and "unchanged" not in said
