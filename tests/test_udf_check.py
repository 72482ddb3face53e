"""The sqlglot check over the compiled project, and proof that it catches both kinds of mistake."""

import json

import pytest
from conftest import run_dbt

from sftmart.udf_check import called_functions, check_manifest

REGISTERED = {"sftmart_detect_lang", "sftmart_quality_stats"}


def manifest_with(tmp_path, models: dict[str, tuple[str, str]]):
    nodes = {
        f"model.x.{name}": {
            "resource_type": "model",
            "name": name,
            "language": "sql",
            "config": {"materialized": mat},
            "compiled_code": sql,
        }
        for name, (mat, sql) in models.items()
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"nodes": nodes}))
    return path


def test_view_calling_a_udf_is_flagged(tmp_path):
    path = manifest_with(
        tmp_path,
        {
            "ok_table": ("table", "select sftmart_detect_lang(t).lang from x"),
            "bad_view": ("view", "select s.n from (select sftmart_quality_stats(t, 'en') as s from x)"),
        },
    )
    report, problems = check_manifest(path, REGISTERED)
    assert {c.name: c.udfs for c in report} == {
        "bad_view": {"sftmart_quality_stats"},
        "ok_table": {"sftmart_detect_lang"},
    }
    assert len(problems) == 1 and "bad_view" in problems[0] and "view" in problems[0]


def test_unregistered_function_is_flagged(tmp_path):
    path = manifest_with(
        tmp_path,
        {
            "typo": ("table", "select sftmart_detect_language(t), nfc_normalize(t), regexp_matches(t, 'a') from x"),
        },
    )
    _, problems = check_manifest(path, REGISTERED)
    assert problems == ["typo: calls sftmart_detect_language(), which neither DuckDB nor the sftmart plugin provides"]


def test_duckdb_builtins_are_not_udfs_or_problems(tmp_path):
    sql = "select nfc_normalize(a), list_filter([1], x -> x > 0), md5(a), sftmart_x(a) from t"
    assert {"nfc_normalize", "sftmart_x"} <= called_functions(sql)
    report, problems = check_manifest(manifest_with(tmp_path, {"m": ("table", sql)}), REGISTERED)
    assert report[0].udfs == set() and report[0].unknown == {"sftmart_x"} and len(problems) == 1


@pytest.mark.slow
def test_compiled_project_passes(tmp_path):
    run_dbt("compile", tmp_path / "compile.duckdb", None, "--target-path", str(tmp_path / "target"))
    report, problems = check_manifest(tmp_path / "target" / "manifest.json")
    assert problems == []
    udf_callers = {c.name: c.udfs for c in report if c.udfs}
    assert udf_callers["int_records_lang_tagged"] == {"sftmart_detect_lang"}
    assert udf_callers["int_samples_tokenized"] == {"sftmart_count_tokens", "sftmart_training_overhead"}
    assert all(c.materialized != "view" for c in report if c.udfs)
