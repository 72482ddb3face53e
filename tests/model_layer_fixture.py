"""The model layer's whole DAG on the pipeline fixture with a tiny random model (fast, offline),
built once per session (conftest's `model_layer_dag`) for tests/test_model_layer*.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import run_dbt
from encoder_fixtures import make_tiny_encoder_dir
from lm_fixtures import make_tiny_model_dir
from pipeline_fixture import write_fixture


def dbt(command: str, db_path, dbt_vars: dict, select: str | None = None) -> str:
    return run_dbt(command, db_path, dbt_vars, *(["--select", select] if select else []))


def query(db_path, sql):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def build_dag(root: Path) -> tuple[Path, dict]:
    write_fixture(root / "raw")
    model_dir = make_tiny_model_dir(root / "tiny-model")
    dbt_vars = {"raw_root": str(root / "raw"), "base_model": str(model_dir), "max_steps": 2, "train_batch_size": 4}
    # the guide's own settings, each unlike the final adapter's (test_guide_settings_reach_the_guide_only)
    dbt_vars |= {"guide_learning_rate": 0.003, "guide_lora_r": 4, "guide_lora_alpha": 8, "guide_max_steps": 3}
    dbt_vars["quality_model"] = str(make_tiny_encoder_dir(root / "tiny-reward", "deberta"))
    dbt_vars["ifd"] = "always"  # the signal and recipe tests read IFD, which the default recipe does not need
    db_path = root / "it's here" / "warehouse.duckdb"  # a quote in the path reaches no SQL
    dbt("build", db_path, dbt_vars)
    return db_path, dbt_vars
