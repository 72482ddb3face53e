"""No var is ever SQL: every var is checked against its declared spec before anything is built, and
reaches SQL only as a quoted literal. Hostile values are tried on a built warehouse, which must be
left exactly as it was."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from conftest import REPO, copy_of_validated, run_dbt

from sftmart.vars import markdown_table, var_defaults, var_spec

pytestmark = pytest.mark.slow

HOSTILE = [
    "x'",
    "1; drop table marts.data_quality_results; --",
    "1 /* comment */ -- comment",
    "1'); select * from read_text('/etc/passwd'); --",
    "en', 'zh') or length(read_text('/etc/passwd')) > 0 or lang in ('",
]
PATH_VARS = [name for name, spec in var_spec().items() if spec["type"] == "path"]


def warehouse_state(db_path) -> dict[str, str]:
    """Every relation of the warehouse with a hash of its rows (order-independent)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        names = con.execute("""select table_schema || '.' || table_name from information_schema.tables
                               order by 1""").fetchall()
        return {
            name: con.execute(f"""select md5(coalesce(string_agg(h, '' order by h), ''))
                                      from (select md5(t::varchar) as h from {name} as t)""").fetchone()[0]
            for (name,) in names
        }


@pytest.fixture(scope="module")
def built(validated_warehouse, tmp_path_factory):
    """A copy of the session's clean build, with the vars that built it."""
    db_path, dbt_vars = copy_of_validated(validated_warehouse, tmp_path_factory.mktemp("vars"))
    return db_path, dbt_vars, warehouse_state(db_path)


def test_docs_var_table_is_generated_from_the_spec():
    assert markdown_table() in (REPO / "docs" / "vars.md").read_text(encoding="utf-8")


def test_every_var_has_one_spec_and_one_default():
    assert list(var_defaults()) == list(var_spec())
    assert all(spec.get("doc") for spec in var_spec().values())


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_values_are_refused_before_anything_is_built(built, payload):
    db_path, dbt_vars, before = built
    hostile = {name: payload for name in var_spec() if name not in PATH_VARS}
    out = run_dbt("build", db_path, dbt_vars | hostile, check=False)
    assert "Wrong vars, nothing was built" in out
    for name in hostile:
        assert f"var '{name}' = {json.dumps(payload)} is not allowed: expected " in out, name
    assert "root:" not in out  # nothing of /etc/passwd reached an error message
    assert warehouse_state(db_path) == before


def test_hostile_path_values_reach_sql_only_as_literals(built, tmp_path):
    """Paths are free text, so they pass the check: the tokenizer path still names no tokenizer and
    the run fails there, without running any of the text as SQL."""
    db_path, dbt_vars, before = built
    payload = "default'); drop table marts.data_quality_results; select ('"
    out = run_dbt("build", db_path, dbt_vars | {"tokenizer": payload}, "--select", "int_samples_tokenized", check=False)
    assert "Wrong vars" not in out and "int_samples_tokenized" in out
    assert "tokenizer" in out.lower() and payload in out
    assert set(warehouse_state(db_path)) == set(before)


def test_a_raw_root_with_quotes_and_semicolons_lands(built, tmp_path):
    db_path, dbt_vars, before = built
    raw = tmp_path / "it's; drop table x; --"
    shutil.copytree(dbt_vars["raw_root"], raw)
    run_dbt("build", db_path, dbt_vars | {"raw_root": str(raw)}, "--select", "path:models/raw")
    assert set(warehouse_state(db_path)) == set(before)


def test_every_kind_of_wrong_value_is_named(tmp_path):
    wrong = {
        "token_budget": 0,
        "en_ratio": 1.5,
        "sample_seed": True,
        "minhash_threshold": 1,
        "keep_languages": [],
        "model_layer": "yes",
        "model_dtype": "int8",
        "model_device": "cuda:x",
        "perplexity_bounds": {"fr": [1, 2]},
        "max_steps": 0,
        "learning_rate": float("inf"),
        "raw_root": "a\nb",
        "arms": ["curated", "no_such_arm"],  # the arms come from macros/experiment_arms.sql
        "no_such_var": 1,
    }
    out = run_dbt("run-operation", tmp_path / "w.duckdb", wrong, "check_vars", check=False)
    for name in wrong:
        assert f"'{name}'" in out, name
    assert not (tmp_path / "w.duckdb").exists()


def test_boundary_values_are_allowed(tmp_path):
    right = {
        "token_budget": 1,
        "en_ratio": 0,
        "guide_en_ratio": 1,
        "max_steps": None,
        "keep_languages": ["zh"],
        "perplexity_bounds": {"en": [0, 1.5], "zh": [1, 400]},
        "model_device": "cuda:0",
        "learnability_top_fraction": 1,
        "lora_dropout": 0,
        "arms": ["kit", "length"],
    }
    run_dbt("run-operation", tmp_path / "w.duckdb", right, "check_vars")


def test_a_tokenizer_other_than_the_trained_models_is_refused(tmp_path):
    """Budgets count with `tokenizer`, training tokenises with base_model's: while the model layer
    trains they must be one ('default' follows base_model); with it off any tokenizer counts."""
    other = {"tokenizer": str(tmp_path / "some-tokenizer"), "base_model": str(tmp_path / "some-model")}
    out = run_dbt("run-operation", tmp_path / "w.duckdb", other, "check_vars", check=False)
    assert "Wrong vars, nothing was built" in out
    assert "var 'tokenizer' = " in out and "than base_model = " in out and "leave tokenizer 'default'" in out
    assert not (tmp_path / "w.duckdb").exists()
    same = {"tokenizer": other["base_model"], "base_model": other["base_model"]}
    for allowed in (same, other | {"model_layer": False}, {"base_model": other["base_model"]}):
        run_dbt("run-operation", tmp_path / "w.duckdb", allowed, "check_vars")
