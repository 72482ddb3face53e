"""`dbt build` end to end on a generated raw_root with known duplicates, junk and broken files."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import run_dbt
from pipeline_fixture import write_fixture

pytestmark = pytest.mark.slow


# the mix and the budget it draws (int_mix_budget, computed once for every mix)
MIX = "int_mix_budget mart_training_mix"


def dbt_build(db_path, raw_root, select: str | None = None, **dbt_vars) -> str:
    # The model layer (guide model, scores, LoRA) has its own tests (test_model_layer.py); the
    # evaluation set is the validated build's (conftest.validated_warehouse), so reruns match it.
    eval_root = str(raw_root.parent / "validated_eval")
    dbt_vars = {"raw_root": str(raw_root), "eval_root": eval_root, "model_layer": False, **dbt_vars}
    return run_dbt("build", db_path, dbt_vars, *(["--select", select] if select else []))


@pytest.fixture(scope="module")
def built(validated_warehouse, tmp_path_factory):
    """The session's clean `dbt build` of pipeline_fixture.write_fixture (one full build serves this
    module and the validation tests), copied: tests here rebuild parts of it."""
    root, validated, run = validated_warehouse
    expected = write_fixture(tmp_path_factory.mktemp("raw"))  # deterministic: the counts of `root`
    db_path = tmp_path_factory.mktemp("e2e") / "warehouse.duckdb"
    shutil.copyfile(validated, db_path)
    return root, db_path, expected, run.log


def query(db_path, sql):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_every_input_unit_is_accounted_for(built):
    _, db, expected, _ = built
    assert query(db, "select count(*) from raw.alpaca_cot_landing") == [(expected["input_units"],)]
    rejected = dict(query(db, "select reject_reason_code, count(*) from raw.rejected_records group by 1"))
    assert rejected == expected["rejected"]
    outcomes = query(db, "select count(*) from marts.mart_record_outcomes")
    assert outcomes == [(expected["input_units"],)]


def test_exact_counts_reach_each_stage(built):
    _, db, expected, _ = built
    reasons = dict(
        query(
            db,
            """select coalesce(drop_reason, 'in_mix'), count(*)
                                from marts.mart_record_outcomes group by 1""",
        )
    )
    assert reasons["empty_instruction_or_output"] == expected["empty_instruction_or_output"]
    assert reasons["language_not_kept:other"] == expected["language_other"]
    assert sum(n for r, n in reasons.items() if r.startswith("quality:")) == expected["quality_dropped"]
    assert reasons["exact_duplicate"] == expected["exact_duplicate"]
    assert reasons["near_duplicate"] == expected["near_duplicate"]
    pool = dict(query(db, "select lang, count(*) from marts.mart_candidate_pool group by 1"))
    assert pool == expected["pool"]


def test_duplicate_clusters_keep_one_member_each(built):
    _, db, _, _ = built
    clusters = query(
        db,
        """select dedup_kind, cluster_size, count(*) filter (where is_kept)
                            from intermediate.int_duplicate_clusters group by cluster_id, dedup_kind, cluster_size
                            order by 1, 2""",
    )
    assert clusters == [("exact", 2, 1), ("exact", 4, 1), ("near", 2, 1), ("near", 3, 1)]


def test_cleaning_strips_markup_and_keeps_the_text(built):
    _, db, _, _ = built
    [(instruction, output, rules)] = query(
        db,
        """
        select c.instruction, c.output, c.cleaning_rules
        from intermediate.int_records_cleaned as c
        inner join intermediate.int_records_cleaning_diff as d using (sample_id)
        where d.field = 'instruction' and d.before_text like 'Visit%'""",
    )
    assert "http" not in instruction and "@" not in instruction and "<b>" not in instruction
    assert "describe a rainbow" in instruction
    assert "\n" in output and "\\n" not in output
    assert {"html_tags", "links", "emails", "literal_newlines"} <= set(rules)
    diff = query(db, "select count(*) from intermediate.int_records_cleaning_diff where field = 'instruction'")
    assert diff[0][0] >= 1


def test_mix_takes_the_whole_small_pool_and_reports_the_shortfall(built):
    _, db, expected, log = built
    mix = dict(query(db, "select lang, count(*) from marts.mart_training_mix group by 1"))
    notes = query(db, "select lang, note from marts.mart_pipeline_funnel where stage = 'training_mix' order by 1")
    # ratio_policy hold (the default): the short language's note says so, and the budget shrinks for both
    assert all(note.startswith("ratio held") for _, note in notes) and len(notes) == 2
    assert "ran out of candidates" in log
    # the language that holds the budget takes its whole pool; the other its share, never over it
    [limiting] = [lang for lang, note in notes if "ran out of candidates" in note]
    assert mix[limiting] == expected["pool"][limiting]
    assert all(0 < mix[lang] <= expected["pool"][lang] for lang in expected["pool"])
    over = query(
        db,
        """select m.lang from marts.mart_training_mix as m join intermediate.int_mix_budget as b using (lang)
           group by m.lang, b.lang_budget having sum(m.n_tokens) > b.lang_budget""",
    )
    assert over == []


def test_funnel_reconciles_from_input_to_mix(built):
    _, db, expected, _ = built
    landed = query(db, "select sum(rows_in) from marts.mart_pipeline_funnel where stage = 'landed'")
    assert landed == [(expected["input_units"],)]
    tokens = query(db, """select sum(tokens_out) from marts.mart_pipeline_funnel where stage = 'training_mix'""")
    assert tokens == query(db, "select sum(n_tokens) from marts.mart_training_mix")


def test_a_record_a_stage_loses_gets_a_missing_reason_and_fails_the_build(built, tmp_path):
    """Outcome reasons never guess (issue 22): in a patched copy of the project whose
    mart_sample_selection loses one selected candidate, that record's outcome is missing_selected
    (it used to fall through to not_sampled:budget_filled), and the test on it stops the build
    before it publishes. The normal build has no missing_ reason and the test passed."""
    import hashlib
    import re
    import shutil

    from dbt_runs import copy_project, dbt_build, wrap_sql_model

    from sftmart.paths import build_path

    root, db, _, log = built
    missing = "select count(*) from marts.mart_record_outcomes where drop_reason like 'missing%'"
    assert query(db, missing) == [(0,)] and re.search(r"PASS no_missing_record_outcomes\b", log)
    [lost] = query(db, "select min(sample_id) from marts.mart_sample_selection where is_selected")[0]
    project = copy_project(tmp_path / "project")
    wrap_sql_model(
        project, "selection/mart_sample_selection.sql", f"select * from original_model where sample_id <> '{lost}'"
    )
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(db, published)
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    dbt_vars = {"raw_root": str(root), "model_layer": False}
    run = dbt_build(
        published, tmp_path / "target", dbt_vars, "--select", "mart_sample_selection+", project_dir=project, check=False
    )
    assert run.status[run.test("no_missing_record_outcomes")] == "fail", run.log[-3000:]
    outcomes = query(
        build_path(published),
        "select sample_id, dropped_at_stage, drop_reason from marts.mart_record_outcomes where drop_reason like 'missing%'",
    )
    assert outcomes == [(lost, 9, "missing_selected")]
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest  # nothing published


def test_budget_is_filled_per_language_never_over_and_seeded(built):
    root, db, _, _ = built
    pool = dict(query(db, "select lang, sum(n_tokens) from marts.mart_candidate_pool group by 1"))
    budget = int(min(pool.values()) * 1.2)  # en share (70%) fits in the pool, zh share (30%) too
    dbt_build(db, root, MIX, token_budget=budget, en_ratio=0.7, sample_seed=1)
    first = query(db, "select sample_id from marts.mart_training_mix order by 1")
    per_lang = query(
        db, "select lang, sum(n_tokens), arg_max(n_tokens, sample_id) from marts.mart_training_mix group by 1"
    )
    for lang, tokens, _ in per_lang:
        share = budget * (0.7 if lang == "en" else 0.3)
        # never over the share, and no sample left in the pool would still fit in it
        [(smallest_left,)] = query(
            db,
            f"""select min(n_tokens) from marts.mart_candidate_pool where lang = '{lang}'
                and sample_id not in (select sample_id from marts.mart_training_mix)""",
        )
        assert tokens <= share and (smallest_left is None or tokens + smallest_left > share)
    dbt_build(db, root, MIX, token_budget=budget, en_ratio=0.7, sample_seed=1)
    assert query(db, "select sample_id from marts.mart_training_mix order by 1") == first
    dbt_build(db, root, MIX, token_budget=budget, en_ratio=0.7, sample_seed=2)
    assert query(db, "select sample_id from marts.mart_training_mix order by 1") != first


def test_every_relation_answers_plain_sql_without_the_udfs(built):
    _, db, _, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        relations = con.sql("""select table_schema, table_name from information_schema.tables
                               where table_schema in ('raw', 'staging', 'intermediate', 'marts')""").fetchall()
        assert len(relations) >= 18
        for schema, name in relations:
            con.sql(f'select count(*) from "{schema}"."{name}"').fetchall()


def test_key_not_null_and_range_tests_catch_bad_rows(built, tmp_path):
    import re
    import shutil

    root, db, _, _ = built
    bad = tmp_path / "bad.duckdb"
    shutil.copy(db, bad)
    with duckdb.connect(str(bad)) as con:
        con.execute("""insert into intermediate.int_records_cleaned
                       select * from intermediate.int_records_cleaned order by sample_id limit 1""")
        con.execute("""update intermediate.int_records_cleaned set prompt = null
                       where sample_id = (select max(sample_id) from intermediate.int_records_cleaned)""")
        con.execute("""update intermediate.int_records_quality_scored set word_rep_ratio = 1.5
                       where sample_id = (select min(sample_id) from intermediate.int_records_quality_scored)""")
    log = run_dbt(
        "test",
        bad,
        {"raw_root": str(root), "model_layer": False},
        "--select",
        "int_records_cleaned int_records_quality_scored",
        check=False,
    )
    failed = set(re.findall(r"FAIL \d+ (\S+)", log))
    assert failed == {
        "dbt_primary_key_int_records_cleaned_sample_id",
        "dbt_not_null_columns_int_records_cleaned_exact_hash__prompt__output",
    }, log[-3000:]
    # ranges are the intermediate GX suite's (its validation node in a build; here the re-check)
    from expectations.validate import validate_warehouse

    result = validate_warehouse("intermediate", bad, raw_root=str(root), build_docs_site=False)
    [ratio] = [f for f in result.failures if f.column == "word_rep_ratio"]
    assert ratio.severity == "error" and ratio.unexpected_count == 1 and not result.passed


def test_everyday_subgraph_selections_build_with_dbt_defaults(built, tmp_path):
    """Eager indirect selection (dbt's default) picks every test with a selected parent: no test
    may need a table outside the subgraph (cross-table checks are the GX suites', whose nodes
    come with the subgraph that needs them)."""
    root, _, expected, _ = built
    fresh = tmp_path / "warehouse.duckdb"
    log = dbt_build(fresh, root, "+mart_candidate_pool")  # on an empty warehouse
    assert "validate_intermediate" in log and "mart_training_mix" not in log
    assert dict(query(fresh, "select lang, count(*) from marts.mart_candidate_pool group by 1")) == expected["pool"]
    log = dbt_build(fresh, root, "stg_alpaca_cot__records+1")
    assert "validate_staging" in log and "int_records_lang_tagged" not in log
    log = dbt_build(fresh, root, "path:models/intermediate")  # one layer, its upstream already built
    assert "int_samples_tokenized" in log and "stg_alpaca_cot__records" not in log


def test_build_closes_the_warehouse_at_exit(validated_warehouse):
    _, db, _ = validated_warehouse  # the built file itself, not a copy
    assert not db.with_name(db.name + ".wal").exists()  # DuckDB checkpointed on close


def test_rebuild_lands_nothing_new_and_gives_the_same_tables(built):
    root, db, _, _ = built
    before = query(db, "select record_id, loaded_at from raw.alpaca_cot_landing order by 1")
    pool_before = query(db, "select sample_id, n_tokens from marts.mart_candidate_pool order by 1")
    dbt_build(db, root, "alpaca_cot_landing+", token_budget=10_000_000)
    assert query(db, "select record_id, loaded_at from raw.alpaca_cot_landing order by 1") == before
    assert query(db, "select sample_id, n_tokens from marts.mart_candidate_pool order by 1") == pool_before
