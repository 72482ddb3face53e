"""Great Expectations layer suites, re-checked standalone on corrupted copies of a clean build: each
planted defect fails the right expectation with error severity and its offending rows (or, where
the check is a dbt test, the right dbt test); aggregates see the whole table across record
batches; the vars reach the suites; warnings do not block; the CLI reports and stops at the first
blocking layer. (The suites as nodes of `dbt build`: tests/test_validation_nodes.py.)"""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import run_dbt

from sftmart.paths import REPO_ROOT

pytest.importorskip("great_expectations")

from expectations.__main__ import main as cli_main  # noqa: E402
from expectations.definitions import SUITES  # noqa: E402
from expectations.project import docs_index  # noqa: E402
from expectations.validate import validate_warehouse  # noqa: E402

pytestmark = pytest.mark.slow

VARS = {"model_layer": False}


@pytest.fixture(scope="module")
def warehouse(validated_warehouse):
    return validated_warehouse


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
    assert outcome.batches == 5 and outcome.element_count == 33  # 33 rows in batches of 7
    assert rows(db, "select count(*) from marts.data_quality_results")[0][0] == sum(
        len(s.checks) for s in SUITES.values()
    )  # a re-check writes nothing


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


def test_staging_null_instruction_and_oversized_record_block(warehouse, corrupt, capsys):
    raw_root, _, _ = warehouse
    db = corrupt(
        "alter view staging.stg_alpaca_cot__records rename to stg_original",
        """create view staging.stg_alpaca_cot__records as
           select * replace (case when sample_id = (select min(sample_id) from staging.stg_original)
                                  then null else instruction end as instruction)
           from staging.stg_original""",
    )
    result = validate_warehouse(
        "staging", db, raw_root=str(raw_root), dbt_vars={"max_record_bytes": 300}, build_docs_site=False
    )
    assert not result.passed
    missing = failed(result, "expect_column_values_to_not_be_null", "instruction_bytes")
    assert missing.severity == "error" and missing.unexpected_count == 1
    too_large = failed(result, "expect_column_values_to_be_between", "record_text_bytes")
    assert too_large.severity == "error" and too_large.unexpected_count >= 1
    assert all(row["record_text_bytes"] > 300 for row in too_large.sample_rows)

    code = cli_main(["validate", "--layer", "staging", "--db", str(db), "--raw-root", str(raw_root), "--no-docs"])
    out = capsys.readouterr().out
    assert code == 1
    assert "staging.stg_alpaca_cot__records" in out and "instruction_bytes" in out and "FAILED" in out


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

    code = cli_main(["validate", "--layer", "intermediate", "--db", str(db), "--raw-root", str(raw_root), "--no-docs"])
    out = capsys.readouterr().out
    assert code == 1 and "intermediate.int_records_quality_scored" in out and '"char_rep_ratio": 1.5' in out
    # an unknown language tag: the accepted-values test of int_records_lang_tagged (a dbt test)
    log = run_dbt("test", db, {"raw_root": str(raw_root), **VARS}, "--select", "int_records_lang_tagged", check=False)
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
    assert duplicate.sample_rows[0]["n_rows"] == 2  # md5(lower(prompt || response)): case does not hide it
    assert "marts.mart_training_mix" in result.summary()


def test_marts_budget_is_checked_against_int_mix_budget_and_the_share_only_warns(warehouse, corrupt):
    raw_root, db, _ = warehouse
    # The mix was drawn for int_mix_budget's budget; against a 100-token one per language it is over.
    over = corrupt("update intermediate.int_mix_budget set lang_budget = 100")
    result = validate_warehouse("marts", over, raw_root=str(raw_root), build_docs_site=False)
    budget = failed(result, "expect_column_values_to_be_between", "tokens_over_budget")
    assert budget.severity == "error" and not result.passed
    assert {row["lang"] for row in budget.sample_rows} == {"en", "zh"}
    # Without the funnel's shortfall note the English share is judged, but a miss only warns.
    corrupted = corrupt("update marts.mart_pipeline_funnel set note = null")
    share = validate_warehouse(
        "marts", corrupted, raw_root=str(raw_root), dbt_vars={"en_ratio": 0.95}, build_docs_site=False
    )
    warning = failed(share, "expect_column_values_to_be_between", "en_share_deviation")
    assert warning.severity == "warning" and share.passed
    assert "warning" in share.summary()


def test_cli_all_stops_at_the_first_blocking_layer(warehouse, corrupt):
    raw_root, _, _ = warehouse
    db = corrupt("""insert into raw.alpaca_cot_landing
                    select * from raw.alpaca_cot_landing order by record_id limit 1""")
    done = subprocess.run(
        [sys.executable, "-m", "expectations", "validate", "--all", "--db", str(db), "--raw-root", str(raw_root)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "raw.alpaca_cot_landing" in done.stdout and "units_difference" in done.stdout
    assert "[staging]" not in done.stdout and "stopped after raw" in done.stdout
    assert docs_index(db).is_file()
