"""Great Expectations in the dbt DAG: a clean `dbt build` passes every layer's validation node and
records it; `dbt ls` shows one validation node per layer; each layer reads the previous one only
through its validation node; no relation exists outside dbt's nodes; and a corrupted layer fails
the build at that layer (its validation node, or a key test) while dbt skips everything below it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import run_dbt
from dbt_runs import LAYERS, copy_project, dbt_build, wrap_python_model, wrap_sql_model

from sftmart.paths import REPO_ROOT

pytest.importorskip("great_expectations")

from expectations.definitions import SUITES  # noqa: E402
from expectations.project import docs_index, gx_root_for  # noqa: E402

pytestmark = pytest.mark.slow

VARS = {"model_layer": False}


@pytest.fixture(scope="module")
def warehouse(validated_warehouse):
    return validated_warehouse


def rows(db_path, sql):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).fetchall()


# --------------------------------------------------------------------------- the DAG


def test_clean_build_passes_every_validation_node_and_records_it(warehouse):
    _, db, run = warehouse
    for layer in LAYERS:
        assert run.status[run.node(f"validate_{layer}")] == "success"
        assert run.status[run.gate(layer)] == "pass", run.message[run.gate(layer)]
    recorded = dict(rows(db, "select layer, count(*) from marts.data_quality_results group by 1"))
    assert recorded == {layer: len(SUITES[layer].checks) for layer in LAYERS}
    assert rows(db, "select count(*) from marts.data_quality_results where not success") == [(0,)]
    assert rows(db, "select count(distinct suite) from marts.data_quality_results where layer = 'raw'") == [
        (len(SUITES["raw"].targets),)
    ]


def test_every_build_adds_its_results_to_the_history(warehouse, tmp_path):
    root, db, _ = warehouse
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    run = dbt_build(
        copy, tmp_path / "target", {"raw_root": str(root), **VARS}, "--select", "validate_raw data_quality_results"
    )
    assert run.status[run.gate("raw")] == "pass"
    runs = dict(rows(copy, "select layer, count(distinct run_id) from marts.data_quality_results group by 1"))
    assert runs == {"raw": 2, "staging": 1, "intermediate": 1, "marts": 1}
    assert rows(copy, "select count(*) from marts.data_quality_results where layer = 'raw'") == [
        (2 * len(SUITES["raw"].checks),)
    ]


def test_gx_results_and_data_docs_live_beside_the_warehouse(warehouse):
    _, db, _ = warehouse
    gx_dir = gx_root_for(db) / "gx"
    assert docs_index(db).is_file() and docs_index(db).is_relative_to(gx_dir)
    assert gx_dir.parent == db.with_name(db.name + ".sftmart")
    assert any((gx_dir / "uncommitted" / "validations").rglob("*.json"))
    for layer, definition in SUITES.items():  # the saved suites are the definitions
        for target in definition.targets:
            saved = json.loads((gx_dir / "expectations" / layer / f"{target.name}.json").read_text())
            assert [(e["type"], e["kwargs"]) for e in saved["expectations"]] == [
                (_snake(c.type), c.kwargs) for c in definition.checks_of(target.name)
            ]
            assert all(e["meta"]["severity"] in ("error", "warning") for e in saved["expectations"])
    assert not (REPO_ROOT / "expectations" / "gx").exists()


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def test_dbt_ls_shows_one_validation_node_per_layer(warehouse):
    root, db, _ = warehouse
    out = run_dbt(
        "ls",
        db,
        {"raw_root": str(root)},
        "--resource-type",
        "model",
        "--select",
        "path:models/validation",
        "--output",
        "name",
        "--quiet",
    )
    names = sorted(line.strip() for line in out.splitlines() if line.strip())
    assert names == sorted([f"validate_{layer}" for layer in LAYERS] + ["data_quality_results"])


def test_each_layer_reads_the_previous_one_only_through_its_validation_node(warehouse):
    _, _, run = warehouse
    parents = {
        "raw": "stg_alpaca_cot__records",
        "staging": "int_records_cleaned",
        "intermediate": "mart_candidate_pool",
        "marts": "final_adapter",
    }
    for layer, first in parents.items():
        depends_on = run.manifest["nodes"][run.node(first)]["depends_on"]["nodes"]
        assert run.node(f"validate_{layer}") in depends_on, (first, depends_on)
    # every model of a later layer is downstream of the earlier layers' validation nodes
    for i, layer in enumerate(LAYERS[:-1]):
        below = run.descendants(run.node(f"validate_{layer}"))
        for later in LAYERS[i + 1 :]:
            models = [
                u for u, n in run.manifest["nodes"].items() if n["resource_type"] == "model" and n["schema"] == later
            ]
            assert models and set(models) <= below, (layer, later, set(models) - below)


def test_a_models_name_states_its_layer(warehouse):
    # int_* builds in intermediate and mart_* in marts, whichever folder (models/scoring/, ...) holds it
    _, _, run = warehouse
    models = [n for n in run.manifest["nodes"].values() if n["resource_type"] == "model"]
    layer_of = {"int": "intermediate", "mart": "marts", "stg": "staging"}
    wrong = {
        n["name"]: n["schema"]
        for n in models
        if n["name"].split("_")[0] in layer_of and n["schema"] != layer_of[n["name"].split("_")[0]]
    }
    assert not wrong, wrong
    assert {n["schema"] for n in models if n["name"].startswith("int_")} == {"intermediate"}


def test_no_relation_is_created_outside_dbt(warehouse):
    _, db, run = warehouse
    in_warehouse = set(
        rows(
            db,
            """
        select schema_name, table_name from duckdb_tables() where database_name = current_database()
        union all
        select schema_name, view_name from duckdb_views() where database_name = current_database() and not internal""",
        )
    )
    assert in_warehouse and in_warehouse <= run.relations(), in_warehouse - run.relations()


# --------------------------------------------------------------------------- a corrupted layer stops the build

CORRUPTIONS = {
    # layer: (patch, failing node, what its message must name)
    "raw-reconciliation": (
        "raw",
        lambda p: wrap_python_model(
            p,
            "raw/landing/alpaca_cot_landing.py",
            "result.filter(\"not (source_file = 'alpaca-zh/part-0.jsonl' and record_index = 0)\")",
        ),
        "gate",
        ["raw.alpaca_cot_landing", "units_difference", '"source_file": "alpaca-zh/part-0.jsonl"'],
    ),
    "raw-duplicate-key": (
        "raw",
        lambda p: wrap_sql_model(
            p,
            "raw/alpaca_cot_records.sql",
            "select * from original_model union all (select * from original_model order by record_id limit 1)",
        ),
        "dbt_primary_key_alpaca_cot_records_record_id",
        [],
    ),
    "intermediate-ratio": (
        "intermediate",
        lambda p: wrap_sql_model(
            p,
            "intermediate/int_records_quality_scored.sql",
            "select * replace (case when sample_id = (select min(sample_id) from original_model) then 1.5 "
            "else char_rep_ratio end as char_rep_ratio) from original_model",
        ),
        "gate",
        ["intermediate.int_records_quality_scored", "char_rep_ratio", '"char_rep_ratio": 1.5'],
    ),
    "marts-budget": (
        "marts",
        lambda p: wrap_sql_model(
            p, "selection/mart_training_mix.sql", "select * replace (n_tokens * 100 as n_tokens) from original_model"
        ),
        "gate",
        ["marts.mart_training_mix", "tokens_over_budget", '"lang": "en"'],
    ),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupted_layer_fails_the_build_there_and_skips_everything_below(warehouse, tmp_path, case):
    root, _, _ = warehouse
    layer, patch, failing, named = CORRUPTIONS[case]
    project = copy_project(tmp_path / "dbt_project")
    patch(project)
    # a budget small enough that the mix draws from the pool, so inflated token counts overshoot it
    dbt_vars = {"raw_root": str(root), **VARS, "token_budget": 600}
    run = dbt_build(tmp_path / "warehouse.duckdb", tmp_path / "target", dbt_vars, project_dir=project, check=False)
    failing = run.gate(layer) if failing == "gate" else run.test(failing)
    assert run.status[failing] in ("fail", "error"), run.log[-3000:]
    assert "Completed with 1 error" in run.log, run.log[-3000:]
    validation = run.node(f"validate_{layer}")
    below = run.descendants(validation) - {run.gate(layer)}
    assert below and not run.executed(below), run.executed(below)
    if failing == run.gate(layer):
        assert run.status[validation] == "success"  # the node ran and wrote its results
        message = run.message[failing]
        assert "blocking expectation(s) failed" in message
        for text in named:
            assert text in message, message
    else:  # a dbt key test: the layer's node is skipped too
        assert run.status[validation] == "skipped"
    # the layers above ran and passed
    for upper in LAYERS[: LAYERS.index(layer)]:
        assert run.status[run.gate(upper)] == "pass"


def test_sftmart_build_no_validate_leaves_the_validation_nodes_out(validated_warehouse, tmp_path):
    root, _, _ = validated_warehouse
    db = tmp_path / "warehouse.duckdb"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sftmart.cli",
            "build",
            "--raw-root",
            str(root),
            "--no-validate",
            "--no-report",
            "--vars",
            json.dumps(VARS),
        ],
        cwd=REPO_ROOT,
        env=dict(os.environ, SFTMART_DB=str(db)),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "validate_" not in done.stdout and "PASSED" not in done.stdout
    assert rows(db, "select count(*) from duckdb_tables() where schema_name = 'validation'") == [(0,)]
    assert rows(db, "select count(*) from marts.final_adapter") == [(1,)]  # still built, after the mix
