"""Great Expectations layer suites: every layer passes on a clean build, and each planted defect
fails the right expectation with error severity (blocking), in the API, the CLI and the results table."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from pipeline_fixture import write_fixture
from sftmart.paths import REPO_ROOT

pytest.importorskip("great_expectations")

from expectations.__main__ import main as cli_main  # noqa: E402
from expectations.definitions import LAYERS, SUITES  # noqa: E402
from expectations.project import PROJECT_ROOT, to_suite  # noqa: E402
from expectations.runner import validate_layer  # noqa: E402
from conftest import run_dbt

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A warehouse built by dbt from the planted fixture (models and seeds; dbt's own tests skipped)."""
    root = tmp_path_factory.mktemp("raw")
    write_fixture(root)
    db_path = root.parent / "warehouse.duckdb"
    run_dbt("build", db_path, {"raw_root": str(root), "model_layer": False},
            "--exclude-resource-type", "test", "unit_test")
    return root, db_path


@pytest.fixture(scope="module")
def gx_root(tmp_path_factory):
    """A private copy of the committed GX project, so results and Data Docs land in a temp dir."""
    root = tmp_path_factory.mktemp("gx_project")
    shutil.copytree(PROJECT_ROOT / "gx", root / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    return root


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


# --------------------------------------------------------------------------- the project

def test_saved_suites_are_the_definitions_and_every_expectation_has_a_severity():
    import great_expectations as gx

    gx.get_context(mode="ephemeral")     # serialising a suite needs some context
    gx_dir = PROJECT_ROOT / "gx"
    for layer in LAYERS:
        saved = json.loads((gx_dir / "expectations" / f"{layer}.json").read_text())
        fresh = to_suite(SUITES[layer]).to_json_dict()
        strip = lambda suite: [(e["type"], e["kwargs"], e["meta"], e.get("severity"))  # noqa: E731
                               for e in suite["expectations"]]
        assert strip(saved) == strip(fresh), f"run `python -m expectations init` ({layer} drifted)"
        assert saved["meta"]["targets"] == fresh["meta"]["targets"]
        for expectation in saved["expectations"]:
            assert expectation["meta"]["severity"] in ("error", "warning")
            assert expectation["meta"]["target"] in saved["meta"]["targets"]
        checkpoint = json.loads((gx_dir / "checkpoints" / f"{layer}.json").read_text())
        assert [v["name"] for v in checkpoint["validation_definitions"]] == [layer]
    ignored = subprocess.run(["git", "check-ignore", "-q", "expectations/gx/uncommitted/data_docs/x.html"],
                             cwd=REPO_ROOT)
    assert ignored.returncode == 0


def test_every_layer_passes_on_a_clean_build_and_is_recorded(warehouse, gx_root):
    raw_root, db = warehouse
    for layer in LAYERS:
        result = validate_layer(layer, db, raw_root=str(raw_root), dbt_vars={}, gx_root=gx_root)
        assert result.passed and result.failures == [], result.summary()
        assert "PASSED" in result.summary()
    assert (gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()
    assert result.docs_index.exists()
    recorded = dict(rows(db, "select layer, count(*) from marts.data_quality_results group by 1"))
    assert set(recorded) == set(LAYERS)
    assert rows(db, "select count(*) from marts.data_quality_results where not success") == [(0,)]


def test_aggregate_checks_see_the_whole_table_across_batches(warehouse, gx_root, corrupt):
    raw_root, _ = warehouse
    # Two rows with the same record_id, far apart: no single 7-row batch holds both.
    db = corrupt("""insert into raw.alpaca_cot_landing
                    select * from raw.alpaca_cot_landing where status = 'landed' order by record_id limit 1""")
    result = validate_layer("raw", db, raw_root=str(raw_root), dbt_vars={}, gx_root=gx_root,
                            build_docs=False, batch_rows=7, write_results=False)
    assert not result.passed
    duplicate = failed(result, "expect_column_values_to_be_between", "n_duplicate_record_ids")
    assert duplicate.severity == "error" and duplicate.table == "raw.alpaca_cot_landing"
    assert duplicate.sample_rows[0]["n_rows"] == 2
    # ... and the extra row breaks the reconciliation of its file with the input folder.
    reconcile = failed(result, "expect_column_values_to_be_between", "units_difference")
    assert reconcile.unexpected_count == 1 and reconcile.sample_rows[0]["units_difference"] == 1
    outcome = next(o for o in result.outcomes if o.column == "status")
    assert outcome.batches == 5 and outcome.element_count == 31   # 31 rows in batches of 7


# --------------------------------------------------------------------------- one planted defect per layer

def test_raw_missing_units_and_null_text_block(warehouse, gx_root, corrupt):
    raw_root, _ = warehouse
    db = corrupt(
        "delete from raw.alpaca_cot_landing where source_file = 'alpaca-zh/part-0.jsonl' and record_index = 0",
        "update raw.alpaca_cot_landing set output = null where source_file = 'cot-en/part-0.json' and record_index = 1",
    )
    result = validate_layer("raw", db, raw_root=str(raw_root), dbt_vars={}, gx_root=gx_root, build_docs=False)
    assert not result.passed
    reconcile = failed(result, "expect_column_values_to_be_between", "units_difference")
    assert reconcile.severity == "error"
    assert reconcile.sample_rows == [{"units_difference": -1, "source_file": "alpaca-zh/part-0.jsonl"}]
    null_text = failed(result, "expect_column_values_to_not_be_null", "output_bytes")
    assert null_text.severity == "error" and null_text.unexpected_count == 1
    assert null_text.table == "raw.alpaca_cot_records"
    assert "raw.alpaca_cot_records" in result.summary()
    # The failures are in the warehouse's results table, with their offending rows.
    [(success, details)] = rows(db, """select success, details from marts.data_quality_results
                                       where layer = 'raw' and "column" = 'units_difference' and not success""")
    assert not success and json.loads(details)["sample_rows"][0]["source_file"] == "alpaca-zh/part-0.jsonl"


def test_staging_blank_prompt_and_oversized_record_block(warehouse, gx_root, corrupt, capsys):
    raw_root, _ = warehouse
    db = corrupt(
        "alter view staging.stg_alpaca_cot__records rename to stg_original",
        """create view staging.stg_alpaca_cot__records as
           select * replace (case when sample_id = (select min(sample_id) from staging.stg_original)
                                  then '' else prompt end as prompt)
           from staging.stg_original""",
    )
    result = validate_layer("staging", db, raw_root=str(raw_root), dbt_vars={"max_record_bytes": 300},
                            gx_root=gx_root, build_docs=False)
    assert not result.passed
    blank = failed(result, "expect_column_values_to_be_between", "prompt_bytes")
    assert blank.severity == "error" and blank.unexpected_count == 1
    assert blank.sample_rows[0]["prompt_bytes"] == 0
    too_large = failed(result, "expect_column_values_to_be_between", "record_text_bytes")
    assert too_large.severity == "error" and too_large.unexpected_count >= 1
    assert all(row["record_text_bytes"] > 300 for row in too_large.sample_rows)

    code = cli_main(["validate", "--layer", "staging", "--db", str(db), "--raw-root", str(raw_root),
                     "--gx-root", str(gx_root), "--no-docs"])
    out = capsys.readouterr().out
    assert code == 1
    assert "staging.stg_alpaca_cot__records" in out and "prompt_bytes" in out and "FAILED" in out


def test_intermediate_bad_language_ratio_and_cluster_block(warehouse, gx_root, corrupt, capsys):
    raw_root, _ = warehouse
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
    result = validate_layer("intermediate", db, raw_root=str(raw_root), dbt_vars={}, gx_root=gx_root,
                            build_docs=False)
    assert not result.passed
    lang = failed(result, "expect_column_values_to_be_in_set", "lang")
    assert lang.severity == "error" and lang.table == "intermediate.int_records_lang_tagged"
    assert lang.sample_rows[0]["lang"] == "xx"
    ratio = failed(result, "expect_column_values_to_be_between", "char_rep_ratio")
    assert ratio.severity == "error" and ratio.sample_rows[0]["char_rep_ratio"] == 1.5
    assert failed(result, "expect_column_values_to_be_in_set", "quality_score_is_finite").unexpected_count == 1
    kept = failed(result, "expect_column_values_to_be_between", "n_kept")
    assert kept.severity == "error" and kept.table == "intermediate.int_duplicate_clusters"
    assert kept.sample_rows[0]["n_kept"] == 2

    code = cli_main(["validate", "--layer", "intermediate", "--db", str(db), "--raw-root", str(raw_root),
                     "--gx-root", str(gx_root), "--no-docs"])
    out = capsys.readouterr().out
    assert code == 1 and "intermediate.int_records_lang_tagged" in out and '"xx"' in out


def test_marts_untraceable_and_duplicate_rows_block(warehouse, gx_root, corrupt):
    raw_root, _ = warehouse
    db = corrupt(
        """insert into marts.mart_training_mix
           select * replace ('not-in-raw' as sample_id, prompt || ' (edited)' as prompt)
           from marts.mart_training_mix order by sample_id limit 1""",
        """insert into marts.mart_training_mix
           select * replace ('dup-' || sample_id as sample_id, upper(prompt) as prompt)
           from marts.mart_training_mix where sample_id <> 'not-in-raw' order by sample_id desc limit 1""",
    )
    result = validate_layer("marts", db, raw_root=str(raw_root), dbt_vars={}, gx_root=gx_root,
                            build_docs=False)
    assert not result.passed
    untraceable = failed(result, "expect_column_values_to_be_between", "n_untraceable")
    assert untraceable.severity == "error" and untraceable.table == "marts.mart_training_mix"
    assert "not-in-raw" in {row["sample_id"] for row in untraceable.sample_rows}
    assert untraceable.sample_rows and all(row["sample_id"] != "" for row in untraceable.sample_rows)
    duplicate = failed(result, "expect_column_values_to_be_between", "n_duplicate_texts")
    assert duplicate.severity == "error"
    assert duplicate.sample_rows[0]["n_rows"] == 2      # md5(lower(prompt || response)): case does not hide it
    assert "marts.mart_training_mix" in result.summary()


def test_marts_budget_is_checked_with_the_given_vars_and_the_share_only_warns(warehouse, gx_root, corrupt):
    raw_root, db = warehouse
    # The mix was drawn for a 10M budget; validated against a 100-token budget it overshoots.
    result = validate_layer("marts", db, raw_root=str(raw_root), dbt_vars={"token_budget": 100},
                            gx_root=gx_root, build_docs=False, write_results=False)
    budget = failed(result, "expect_column_pair_values_a_to_be_greater_than_b",
                    "lang_budget,tokens_without_largest_sample")
    assert budget.severity == "error" and not result.passed
    assert {row["lang"] for row in budget.sample_rows} == {"en", "zh"}
    # Without the funnel's shortfall note the English share is judged, but a miss only warns.
    corrupted = corrupt("update marts.mart_pipeline_funnel set note = null")
    share = validate_layer("marts", corrupted, raw_root=str(raw_root), dbt_vars={"en_ratio": 0.95},
                           gx_root=gx_root, build_docs=False, write_results=False)
    warning = failed(share, "expect_column_values_to_be_between", "en_share_deviation")
    assert warning.severity == "warning" and share.passed
    assert "warning" in share.summary()


def test_cli_all_stops_at_the_first_blocking_layer(warehouse, gx_root, corrupt):
    raw_root, _ = warehouse
    db = corrupt("""insert into raw.alpaca_cot_landing
                    select * from raw.alpaca_cot_landing order by record_id limit 1""")
    done = subprocess.run(
        [sys.executable, "-m", "expectations", "validate", "--all", "--db", str(db), "--raw-root",
         str(raw_root), "--gx-root", str(gx_root)],
        cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "raw.alpaca_cot_landing" in done.stdout and "n_duplicate_record_ids" in done.stdout
    assert "[staging]" not in done.stdout and "stopped after raw" in done.stdout
