from __future__ import annotations

import os
import shutil

# torch threads that spin while waiting slow everything down on 2 shared cores (2-4x measured)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# the suite's partial runs (`dbt run`, `--select` without the validation nodes) publish what passed;
# the row guard still holds. tests/test_publish_guard.py runs without it (the default).
os.environ.setdefault("SFTMART_PUBLISH_UNAUDITED", "1")

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data" / "alpaca-cot"


def load_records(pattern: str, limit: int | None = None) -> list[dict]:
    records = []
    for path in sorted(SHARED_DATA.glob(pattern)):
        records += json.loads(path.read_text(encoding="utf-8"))
    return records[:limit] if limit else records


@pytest.fixture(scope="session")
def real_en() -> list[dict]:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    return load_records("chain-of-thought/*.json")


@pytest.fixture(scope="session")
def real_zh() -> list[dict]:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    return load_records("chinese-alpaca/*.json")


def dbt_argv(command: str, dbt_vars: dict | None = None, *extra_args: str, project_dir=None) -> list[str]:
    """The command line of a dbt command on the project (or on `project_dir`), in this Python."""
    import sys

    from sftmart.paths import DBT_PROJECT_DIR, PROFILES_DIR

    args = [sys.executable, "-m", "dbt.cli.main", command, "--project-dir", str(project_dir or DBT_PROJECT_DIR)]
    args += ["--profiles-dir", str(PROFILES_DIR), *extra_args]
    return args + (["--vars", json.dumps(dbt_vars)] if dbt_vars else [])


def run_dbt(
    command: str, db_path, dbt_vars: dict | None = None, *extra_args: str, check: bool = True, project_dir=None
) -> str:
    """Runs a dbt command on the project against the DuckDB file `db_path` in a child process
    (dbt-duckdb keeps its connection open for the life of the process), forked from a process that
    has imported dbt already (tests/dbt_forkserver.py); fails with dbt's output
    unless `check` is false. A checked run must also end cleanly: DuckDB's bindings report no
    objects left alive at shutdown (see udfs.plugin.close_and_publish).
    project_dir: another dbt project (a patched copy of this one) instead of dbt_project/."""
    code, stdout, stderr = dbt_process(command, db_path, dbt_vars, *extra_args, project_dir=project_dir)
    if check:
        assert code == 0, stdout[-4000:] + stderr[-2000:]
        assert "nanobind: leaked" not in stderr, stderr[-2000:]
    return stdout


def dbt_process(command: str, db_path, dbt_vars: dict | None = None, *extra_args: str, project_dir=None):
    """(exit code, stdout, stderr) of a dbt command in its own process, forked from the session's
    dbt fork server."""
    from sftmart.paths import REPO_ROOT

    args = dbt_argv(command, dbt_vars, *extra_args, project_dir=project_dir)
    return _fork_server().run(args[3:], dict(os.environ, SFTMART_DB=str(db_path)), REPO_ROOT)


_SERVER = []


def _fork_server():
    """The session's dbt fork server (tests/dbt_forkserver.py), started on first use."""
    if not _SERVER:
        import tempfile

        from dbt_forkserver import DbtForkServer

        _SERVER.append(DbtForkServer(tempfile.mkdtemp(prefix="dbt-runs-")))
    return _SERVER[0]


def pytest_sessionfinish(session, exitstatus):
    for server in _SERVER:
        server.close()


@pytest.fixture(scope="session")
def validated_warehouse(tmp_path_factory):
    """A clean `dbt build` (validation nodes included, model layer off) of the raw_root that
    tests/pipeline_fixture.py writes (eval_root: its write_eval_fixture, beside raw_root in
    validated_eval/): (raw_root, warehouse file, dbt_runs.Run). Shared by the
    validation tests: read it, or copy it to change it."""
    from dbt_runs import dbt_build
    from pipeline_fixture import write_eval_fixture, write_fixture

    root = tmp_path_factory.mktemp("validated_raw")
    write_fixture(root)
    eval_root = root.parent / "validated_eval"  # the bundled eval set + a broken file (issue 11)
    write_eval_fixture(eval_root)
    db_path = root.parent / "validated_warehouse.duckdb"
    run = dbt_build(db_path, root.parent / "validated_target", validated_vars(root))
    return root, db_path, run


def validated_vars(raw_root) -> dict:
    """The vars that built `validated_warehouse` from its raw_root (eval_root beside it)."""
    return {"raw_root": str(raw_root), "eval_root": str(raw_root.parent / "validated_eval"), "model_layer": False}


def copy_of_validated(validated_warehouse, folder) -> tuple:
    """A copy of the session's clean build as `folder`/warehouse.duckdb, to change: (path, its vars)."""
    raw_root, validated, _ = validated_warehouse
    db_path = folder / "warehouse.duckdb"
    shutil.copyfile(validated, db_path)
    return db_path, validated_vars(raw_root)


@pytest.fixture(scope="session")
def dag(tmp_path_factory):
    """The model layer's whole DAG on the pipeline fixture with a tiny random model
    (model_layer_fixture.build_dag): (warehouse file, vars). tests/test_model_layer.py reads it,
    then tests/test_model_layer_reuse.py rebuilds it (files run in name order)."""
    from model_layer_fixture import build_dag

    return build_dag(tmp_path_factory.mktemp("dag"))


@pytest.fixture(scope="session")
def dsir_built(tmp_path_factory):
    """The target-examples build (target_dsir_fixture.build_target_dsir): (warehouse file, dbt_runs.Run,
    vars), shared by tests/test_target_dsir.py and tests/test_target_dsir_arms.py."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    from target_dsir_fixture import build_target_dsir

    return build_target_dsir(tmp_path_factory.mktemp("target_dsir"))
