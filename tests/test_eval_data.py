"""Evaluation data (issue 11): eval_root landed by the training data's landing code, the
int_eval_records_filtered interface, its quarantine, and decontamination of the candidate pool.

Reads the session's `validated_warehouse` (raw_root: pipeline_fixture.write_fixture, which leaks
an exact and a near copy of two bundled evaluation records into the training data; eval_root:
write_eval_fixture, the bundled set plus a broken file). The bundled set itself is landed directly."""

from __future__ import annotations

import json

import duckdb
import pytest
from pipeline_fixture import BUNDLED_EVAL, EVAL_BROKEN, LEAK_EXACT, LEAK_NEAR, write_eval_fixture, write_fixture

from sftmart.landing import LANDING_COLUMNS, land

INTERFACE = [
    ("eval_id", "VARCHAR"),
    ("eval_set", "VARCHAR"),
    ("lang", "VARCHAR"),
    ("prompt", "VARCHAR"),
    ("response", "VARCHAR"),
    ("options", "VARCHAR[]"),
    ("answer_index", "INTEGER"),
]


def query(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse(validated_warehouse):
    return validated_warehouse[1]


def test_the_bundled_set_lands_whole_in_both_file_shapes():
    """sample_data/eval: 30 records in each of qa-en, qa-zh (free answer) and mc-en, mc-zh
    (options + answer), JSON arrays and JSONL, nothing rejected."""
    con = duckdb.connect()
    rel = land(con, BUNDLED_EVAL)  # noqa: F841 - read by name below
    rows = con.execute("""select source_collection, count(*), count(*) filter (where status = 'landed'),
                                 count(options), count(answer_index), list_distinct(list(source_file[-5:]))
                          from rel group by 1 order by 1""").fetchall()
    assert [r[:5] for r in rows] == [
        ("mc-en", 30, 30, 30, 30),
        ("mc-zh", 30, 30, 30, 30),
        ("qa-en", 30, 30, 0, 0),
        ("qa-zh", 30, 30, 0, 0),
    ]
    assert {s for r in rows for s in r[5]} == {".json", "jsonl"}
    # every multiple-choice reference is its right option, whichever way the file names the answer
    mc = con.execute("select output, options, answer_index from rel where options is not null").fetchall()
    assert all(json.loads(opts)[idx] == out for out, opts, idx in mc)


def test_eval_rows_use_the_landing_code_and_keep_options_and_answers(warehouse, tmp_path):
    """raw.eval_landing is what sftmart.landing.land gives for eval_root, row for row."""
    landed = query(warehouse, "select * exclude (loaded_at) from raw.eval_landing order by record_id")
    assert [(c[0], c[1]) for c in query(warehouse, "describe raw.eval_landing")] == LANDING_COLUMNS
    write_eval_fixture(tmp_path / "eval")
    con = duckdb.connect()
    rel = land(con, tmp_path / "eval")  # noqa: F841 - read by name below
    direct = con.execute("select * exclude (loaded_at) from rel order by record_id").fetchall()
    sha = [n for n, _ in LANDING_COLUMNS if n != "loaded_at"].index("file_mtime_ns")
    assert [r[:sha] + r[sha + 1 :] for r in landed] == [r[:sha] + r[sha + 1 :] for r in direct]
    # the broken file's two good multiple-choice records reach the interface, answers normalised
    mc = query(
        warehouse,
        """select options, answer_index from intermediate.int_eval_records_filtered
           where eval_set = 'broken' order by answer_index""",
    )
    assert mc == [(["apple", "chair"], 0), (["3", "4", "5"], 1)]


def test_the_interface_columns_and_languages(warehouse, validated_warehouse):
    assert (
        query(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'int_eval_records_filtered' order by ordinal_position",
        )
        == INTERFACE
    )
    per_set = query(
        warehouse,
        """select eval_set, lang, count(*), count(options), bool_and(prompt like '%### %')
           from intermediate.int_eval_records_filtered group by all order by 1""",
    )
    assert per_set == [
        ("broken", "en", 2, 2, True),
        ("mc-en", "en", 30, 30, True),
        ("mc-zh", "zh", 30, 30, True),
        ("qa-en", "en", 30, 0, True),
        ("qa-zh", "zh", 30, 0, True),
    ]
    # the training data's Alpaca template (English / Chinese variant, with and without input)
    prompts = dict(
        query(
            warehouse,
            """select eval_set, any_value(prompt) from intermediate.int_eval_records_filtered
               where eval_set in ('qa-en', 'qa-zh') group by 1""",
        )
    )
    assert prompts["qa-en"].startswith("Below is an instruction") and prompts["qa-en"].endswith("### Response:\n")
    assert prompts["qa-zh"].startswith("以下是描述任务的指令") and prompts["qa-zh"].endswith("### 回答:\n")
    run = validated_warehouse[2]
    tests = [u for u in run.manifest["child_map"][run.node("int_eval_records_filtered")] if u.startswith("test.")]
    assert len(tests) >= 4 and all(run.status[u] == "pass" for u in tests)


def test_bad_eval_records_are_quarantined_with_reasons(warehouse):
    quarantine = query(
        warehouse, "select reason, detail from intermediate.int_eval_records_quarantined where eval_set = 'broken' order by 1"
    )
    expected = sorted([reason for _, reason in EVAL_BROKEN if reason] + ["rejected:broken_json"])
    assert [reason for reason, _ in quarantine] == expected
    assert all(detail for _, detail in quarantine)
    assert query(warehouse, "select count(*) from intermediate.int_eval_records_quarantined where eval_set <> 'broken'") == [(0,)]
    # the landing's rejects are also in the raw quarantine, with the GX raw suite's reason codes
    codes = query(warehouse, "select reject_reason_code from raw.eval_rejected_records order by 1")
    assert codes == [(r.removeprefix("rejected:"),) for r in expected if r.startswith("rejected:")]


def test_exact_and_near_copies_of_eval_rows_leave_the_pool(warehouse, tmp_path):
    expected = write_fixture(tmp_path / "raw")["eval_contamination"]
    matches = query(
        warehouse,
        """select c.instruction, d.match_kind, r.prompt, d.match_kinds
           from intermediate.int_samples_decontaminated as d
           join intermediate.int_records_cleaned as c using (sample_id)
           join intermediate.int_eval_records_filtered as r on r.eval_id = d.matched_eval_id
           where not d.is_kept order by d.match_kind""",
    )
    assert [(ins, kind) for ins, kind, _, _ in matches] == [
        (LEAK_EXACT.upper(), "exact_record"),
        (LEAK_NEAR, "question"),
    ]
    assert {kind: 1 for _, kind, _, _ in matches} == expected
    assert "near_record" in matches[1][3]  # the near copy is also a MinHash near duplicate
    assert LEAK_EXACT in matches[0][2] and LEAK_NEAR in matches[1][2]  # the eval row each one copies
    assert query(
        warehouse,
        """select count(*) from marts.mart_candidate_pool as p
           join intermediate.int_samples_decontaminated as d using (sample_id) where not d.is_kept""",
    ) == [(0,)]
    outcomes = query(
        warehouse,
        """select dropped_at_stage, lang, count(*) from marts.mart_record_outcomes
           where drop_reason = 'eval_contamination' group by all""",
    )
    assert outcomes == [(7, "en", sum(expected.values()))]
    funnel = query(
        warehouse,
        """select stage_order, rows_removed, removed_by_reason, rows_out, tokens_out, removed_by_detail
           from marts.mart_pipeline_funnel where stage = 'eval_decontaminated' and lang = 'en'""",
    )
    pool = query(warehouse, "select count(*), sum(n_tokens) from marts.mart_candidate_pool where lang = 'en'")
    details = {f"{kind}:qa-en": n for kind, n in expected.items()}
    assert funnel == [(7, 2, {"eval_contamination": 2}, pool[0][0], pool[0][1], details)]
