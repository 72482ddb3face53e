"""Great Expectations in the dbt DAG: a clean `dbt build` passes every layer's validation node; a
corrupted layer fails the build at that layer and dbt skips everything below it; each planted
defect fails the right check with error severity, with the offending rows named. The suites'
finer behaviour (batches, parameters, warnings, the CLI) is checked with the standalone re-check
on corrupted copies of the warehouse."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from conftest import run_dbt
from dbt_runs import LAYERS, copy_project, dbt_build, wrap_python_model, wrap_sql_model
from pipeline_fixture import write_fixture
from sftmart.paths import REPO_ROOT

pytest.importorskip("great_expectations")

from expectations.__main__ import main as cli_main  # noqa: E402
from expectations.definitions import SUITES  # noqa: E402
from expectations.project import docs_index, gx_root_for  # noqa: E402
from expectations.validate import validate_warehouse  # noqa: E402

pytestmark = pytest.mark.slow

VARS = {"model_layer": False}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A clean `dbt build` of the planted fixture, validation nodes included."""
    root = tmp_path_factory.mktemp("raw")
    write_fixture(root)
    db_path = root.parent / "warehouse.duckdb"
    run = dbt_build(db_path, root.parent / "target", {"raw_root": str(root), **VARS})
    return root, db_path, run


@pytest.fixture()
def corrupt(warehouse, tmp_path):
    """Copies the warehouse and runs SQL on the copy; returns its path."""
    def apply(*statements: str):
        path = tmp_path / "corrupted.duckdb"
        shutil.copy(warehouse[1], path)
        with duckdb.connect(str(path)) as con:
            for sql in statements:
                con.execute(sql)
        return path
    return apply


def failed(result, expectation_type: str, column: str):
    matches = [f for f in result.failures if f.expectation_type == expectation_type and f.column == column]
    assert matches, result.summary()
    return matches[0]


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
        (len(SUITES["raw"].targets),)]


def test_gx_results_and_data_docs_live_beside_the_warehouse(warehouse):
    _, db, _ = warehouse
    gx_dir = gx_root_for(db) / "gx"
    assert docs_index(db).is_file() and docs_index(db).is_relative_to(gx_dir)
    assert any((gx_dir / "uncommitted" / "validations").rglob("*.json"))
    for layer, definition in SUITES.items():       # the saved suites are the definitions
        for target in definition.targets:
            saved = json.loads((gx_dir / "expectations" / layer / f"{target.name}.json").read_text())
            assert [(e["type"], e["kwargs"]) for e in saved["expectations"]] == [
                (_snake(c.type), c.kwargs) for c in definition.checks_of(target.name)]
            assert all(e["meta"]["severity"] in ("error", "warning") for e in saved["expectations"])
    assert not (REPO_ROOT / "expectations" / "gx").exists()


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def test_dbt_ls_shows_one_validation_node_per_layer(warehouse):
    root, db, _ = warehouse
    out = run_dbt("ls", db, {"raw_root": str(root)}, "--resource-type", "model", "--select",
                  "path:models/validation", "--output", "name", "--quiet")
    names = sorted(line.strip() for line in out.splitlines() if line.strip())
    assert names == sorted([f"validate_{layer}" for layer in LAYERS] + ["data_quality_results"])


def test_each_layer_reads_the_previous_one_only_through_its_validation_node(warehouse):
    _, _, run = warehouse
    parents = {"raw": "stg_alpaca_cot__records", "staging": "int_records_cleaned",
               "intermediate": "mart_candidate_pool", "marts": "mart_final_adapter"}
    for layer, first in parents.items():
        depends_on = run.manifest["nodes"][run.node(first)]["depends_on"]["nodes"]
        assert run.node(f"validate_{layer}") in depends_on, (first, depends_on)
    # every model of a later layer is downstream of the earlier layers' validation nodes
    for i, layer in enumerate(LAYERS[:-1]):
        below = run.descendants(run.node(f"validate_{layer}"))
        for later in LAYERS[i + 1:]:
            models = [u for u, n in run.manifest["nodes"].items()
                      if n["resource_type"] == "model" and n["schema"] == later]
            assert models and set(models) <= below, (layer, later, set(models) - below)


def test_no_relation_is_created_outside_dbt(warehouse):
    _, db, run = warehouse
    in_warehouse = set(rows(db, """
        select schema_name, table_name from duckdb_tables() where database_name = current_database()
        union all
        select schema_name, view_name from duckdb_views() where database_name = current_database() and not internal"""))
    assert in_warehouse and in_warehouse <= run.relations(), in_warehouse - run.relations()


# --------------------------------------------------------------------------- a corrupted layer stops the build

CORRUPTIONS = {
    # layer: (patch, failing node, what its message must name)
    "raw-reconciliation": ("raw", lambda p: wrap_python_model(
        p, "raw/alpaca_cot_landing.py",
        "result.filter(\"not (source_file = 'alpaca-zh/part-0.jsonl' and record_index = 0)\")"),
        "gate", ["raw.alpaca_cot_landing", "units_difference", '"source_file": "alpaca-zh/part-0.jsonl"']),
    "raw-duplicate-key": ("raw", lambda p: wrap_sql_model(
        p, "raw/alpaca_cot_records.sql",
        "select * from original_model union all (select * from original_model order by record_id limit 1)"),
        "dbt_primary_key_alpaca_cot_records_record_id", []),
    "intermediate-ratio": ("intermediate", lambda p: wrap_sql_model(
        p, "intermediate/int_records_quality_scored.sql",
        "select * replace (case when sample_id = (select min(sample_id) from original_model) then 1.5 "
        "else char_rep_ratio end as char_rep_ratio) from original_model"),
        "gate", ["intermediate.int_records_quality_scored", "char_rep_ratio", '"char_rep_ratio": 1.5']),
    "marts-budget": ("marts", lambda p: wrap_sql_model(
        p, "marts/mart_training_mix.sql", "select * replace (n_tokens * 100 as n_tokens) from original_model"),
        "gate", ["marts.mart_training_mix", "tokens_without_largest_sample", '"lang": "en"']),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupted_layer_fails_the_build_there_and_skips_everything_below(warehouse, tmp_path, case):
    root, _, _ = warehouse
    layer, patch, failing, named = CORRUPTIONS[case]
    project = copy_project(tmp_path / "dbt_project")
    patch(project)
    # a budget small enough that the mix draws from the pool, so inflated token counts overshoot it
    dbt_vars = {"raw_root": str(root), **VARS, "token_budget": 600}
    run = dbt_build(tmp_path / "warehouse.duckdb", tmp_path / "target", dbt_vars,
                    project_dir=project, check=False)
    failing = run.gate(layer) if failing == "gate" else run.test(failing)
    assert run.status[failing] in ("fail", "error"), run.log[-3000:]
    assert "Completed with 1 error" in run.log, run.log[-3000:]
    validation = run.node(f"validate_{layer}")
    below = run.descendants(validation) - {run.gate(layer)}
    assert below and not run.executed(below), run.executed(below)
    if failing == run.gate(layer):
        assert run.status[validation] == "success"          # the node ran and wrote its results
        message = run.message[failing]
        assert "blocking expectation(s) failed" in message
        for text in named:
            assert text in message, message
    else:                                                   # a dbt key test: the layer's node is skipped too
        assert run.status[validation] == "skipped"
    # the layers above ran and passed
    for upper in LAYERS[:LAYERS.index(layer)]:
        assert run.status[run.gate(upper)] == "pass"


# --------------------------------------------------------------------------- the suites, re-checked standalone

def test_aggregate_checks_see_the_whole_table_across_batches(warehouse, corrupt):
    raw_root, _, _ = warehouse
    # A landing row twice: its file no longer reconciles with the input folder, though no single
    # 7-row batch holds both copies.
    db = corrupt("""insert into raw.alpaca_cot_landing
                    select * from raw.alpaca_cot_landing where status = 'landed' order by record_id limit 1""")
    result = validate_warehouse("raw", db, raw_root=str(raw_root), build_docs_site=False, batch_rows=7)
    assert not result.passed
    reconcile = failed(result, "expect_column_values_to_be_between", "units_difference")
    assert reconcile.severity == "error" and reconcile.table == "raw.alpaca_cot_landing"
    assert reconcile.unexpected_count == 1 and reconcile.sample_rows[0]["units_difference"] == 1
    outcome = next(o for o in result.outcomes if o.column == "reason_matches_status")
    assert outcome.batches == 5 and outcome.element_count == 31   # 31 rows in batches of 7
    assert rows(db, "select count(*) from marts.data_quality_results")[0][0] == sum(
        len(s.checks) for s in SUITES.values())                   # a re-check writes nothing


def test_raw_missing_units_and_null_text_block(warehouse, corrupt):
    raw_root, _, _ = warehouse
    db = corrupt(
        "delete from raw.alpaca_cot_landing where source_file = 'alpaca-zh/part-0.jsonl' and record_index = 0",
        "update raw.alpaca_cot_landing set output = null where source_file = 'cot-en/part-0.json' and record_index = 1",
    )
    result = validate_warehouse("raw", db, raw_root=str(raw_root), build_docs_site=False)
    assert not result.passed
    reconcile = failed(result, "expect_column_values_to_be_between", "units_difference")
    assert reconcile.severity == "error"
    assert reconcile.sample_rows == [{"units_difference": -1, "source_file": "alpaca-zh/part-0.jsonl"}]
    assert "raw.alpaca_cot_landing" in result.summary()
    # a landed row without its text: the not-null test of raw.alpaca_cot_records (a dbt test)
    log = run_dbt("test", db, {"raw_root": str(raw_root), **VARS}, "--select", "alpaca_cot_records", check=False)
    assert "FAIL 1 dbt_not_null_columns_alpaca_cot_records_instruction__input__output__content_hash" in log, log[-3000:]


def test_staging_blank_prompt_and_oversized_record_block(warehouse, corrupt, capsys):
    raw_root, _, _ = warehouse
    db = corrupt(
        "alter view staging.stg_alpaca_cot__records rename to stg_original",
        """create view staging.stg_alpaca_cot__records as
           select * replace (case when sample_id = (select min(sample_id) from staging.stg_original)
                                  then '' else prompt end as prompt)
           from staging.stg_original""",
    )
    result = validate_warehouse("staging", db, raw_root=str(raw_root), dbt_vars={"max_record_bytes": 300},
                                build_docs_site=False)
    assert not result.passed
    blank = failed(result, "expect_column_values_to_be_between", "prompt_bytes")
    assert blank.severity == "error" and blank.unexpected_count == 1
    assert blank.sample_rows[0]["prompt_bytes"] == 0
    too_large = failed(result, "expect_column_values_to_be_between", "record_text_bytes")
    assert too_large.severity == "error" and too_large.unexpected_count >= 1
    assert all(row["record_text_bytes"] > 300 for row in too_large.sample_rows)

    code = cli_main(["validate", "--layer", "staging", "--db", str(db), "--raw-root", str(raw_root), "--no-docs"])
    out = capsys.readouterr().out
    assert code == 1
    assert "staging.stg_alpaca_cot__records" in out and "prompt_bytes" in out and "FAILED" in out


def test_intermediate_bad_language_ratio_and_cluster_block(warehouse, corrupt, capsys):
    raw_root, _, _ = warehouse
    db = corrupt(
        """update intermediate.int_records_lang_tagged set lang = 'xx'
           where sample_id = (select min(sample_id) from intermediate.int_records_lang_tagged)""",
        """update intermediate.int_records_quality_scored set char_rep_ratio = 1.5
           where sample_id = (select min(sample_id) from intermediate.int_records_quality_scored)""",
        """update intermediate.int_records_quality_scored set quality_score = 'nan'::double
           where sample_id = (select max(sample_id) from intermediate.int_records_quality_scored)""",
        """update intermediate.int_duplicate_clusters set is_kept = true
           where sample_id = (select min(sample_id) from intermediate.int_duplicate_clusters where not is_kept)""",
    )
    result = validate_warehouse("intermediate", db, raw_root=str(raw_root), build_docs_site=False)
    assert not result.passed
    ratio = failed(result, "expect_column_values_to_be_between", "char_rep_ratio")
    assert ratio.severity == "error" and ratio.sample_rows[0]["char_rep_ratio"] == 1.5
    assert ratio.table == "intermediate.int_records_quality_scored"
    assert failed(result, "expect_column_values_to_be_in_set", "quality_score_is_finite").unexpected_count == 1
    kept = failed(result, "expect_column_values_to_be_between", "n_kept")
    assert kept.severity == "error" and kept.table == "intermediate.int_duplicate_clusters"
    assert kept.sample_rows[0]["n_kept"] == 2

    code = cli_main(["validate", "--layer", "intermediate", "--db", str(db), "--raw-root", str(raw_root),
                     "--no-docs"])
    out = capsys.readouterr().out
    assert code == 1 and "intermediate.int_records_quality_scored" in out and '"char_rep_ratio": 1.5' in out
    # an unknown language tag: the accepted-values test of int_records_lang_tagged (a dbt test)
    log = run_dbt("test", db, {"raw_root": str(raw_root), **VARS}, "--select", "int_records_lang_tagged",
                  check=False)
    assert "FAIL 1 accepted_values_int_records_lang_tagged_lang__en__zh__other" in log, log[-3000:]


def test_marts_untraceable_and_duplicate_rows_block(warehouse, corrupt):
    raw_root, _, _ = warehouse
    db = corrupt(
        """insert into marts.mart_training_mix
           select * replace ('not-in-raw' as sample_id, prompt || ' (edited)' as prompt)
           from marts.mart_training_mix order by sample_id limit 1""",
        """insert into marts.mart_training_mix
           select * replace ('dup-' || sample_id as sample_id, upper(prompt) as prompt)
           from marts.mart_training_mix where sample_id <> 'not-in-raw' order by sample_id desc limit 1""",
    )
    result = validate_warehouse("marts", db, raw_root=str(raw_root), build_docs_site=False)
    assert not result.passed
    untraceable = failed(result, "expect_column_values_to_be_between", "n_untraceable")
    assert untraceable.severity == "error" and untraceable.table == "marts.mart_training_mix"
    assert "not-in-raw" in {row["sample_id"] for row in untraceable.sample_rows}
    assert untraceable.sample_rows and all(row["sample_id"] != "" for row in untraceable.sample_rows)
    duplicate = failed(result, "expect_column_values_to_be_between", "n_duplicate_texts")
    assert duplicate.severity == "error"
    assert duplicate.sample_rows[0]["n_rows"] == 2      # md5(lower(prompt || response)): case does not hide it
    assert "marts.mart_training_mix" in result.summary()


def test_marts_budget_is_checked_with_the_given_vars_and_the_share_only_warns(warehouse, corrupt):
    raw_root, db, _ = warehouse
    # The mix was drawn for a 10M budget; validated against a 100-token budget it overshoots.
    result = validate_warehouse("marts", db, raw_root=str(raw_root), dbt_vars={"token_budget": 100},
                                build_docs_site=False)
    budget = failed(result, "expect_column_pair_values_a_to_be_greater_than_b",
                    "lang_budget,tokens_without_largest_sample")
    assert budget.severity == "error" and not result.passed
    assert {row["lang"] for row in budget.sample_rows} == {"en", "zh"}
    # Without the funnel's shortfall note the English share is judged, but a miss only warns.
    corrupted = corrupt("update marts.mart_pipeline_funnel set note = null")
    share = validate_warehouse("marts", corrupted, raw_root=str(raw_root), dbt_vars={"en_ratio": 0.95},
                               build_docs_site=False)
    warning = failed(share, "expect_column_values_to_be_between", "en_share_deviation")
    assert warning.severity == "warning" and share.passed
    assert "warning" in share.summary()


def test_cli_all_stops_at_the_first_blocking_layer(warehouse, corrupt):
    raw_root, _, _ = warehouse
    db = corrupt("""insert into raw.alpaca_cot_landing
                    select * from raw.alpaca_cot_landing order by record_id limit 1""")
    done = subprocess.run(
        [sys.executable, "-m", "expectations", "validate", "--all", "--db", str(db), "--raw-root", str(raw_root)],
        cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "raw.alpaca_cot_landing" in done.stdout and "units_difference" in done.stdout
    assert "[staging]" not in done.stdout and "stopped after raw" in done.stdout
    assert docs_index(db).is_file()
