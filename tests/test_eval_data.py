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
        warehouse,
        "select reason, detail from intermediate.int_eval_records_quarantined where eval_set = 'broken' order by 1",
    )
    expected = sorted([reason for _, reason in EVAL_BROKEN if reason] + ["rejected:broken_json"])
    assert [reason for reason, _ in quarantine] == expected
    assert all(detail for _, detail in quarantine)
    assert query(
        warehouse, "select count(*) from intermediate.int_eval_records_quarantined where eval_set <> 'broken'"
    ) == [(0,)]
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


# --------------------------------------------------------------------------- no evaluation set (issue 24)


def eval_folder_without_rows(root, kind: str):
    """An eval_root that yields no evaluation record: an empty folder, or one of broken JSON only."""
    root.mkdir()
    if kind == "all_rejected":
        (root / "qa-en").mkdir()
        (root / "qa-en" / "broken.json").write_text('[{"instruction": "cut', encoding="utf-8")
        (root / "qa-en" / "broken.jsonl").write_text('{"instruction": "cut\n', encoding="utf-8")
    return root


def test_an_eval_root_without_evaluation_rows_fails_naming_it_and_publishes_nothing(validated_warehouse, tmp_path):
    """Empty, or every record rejected: the build stops at raw.eval_landing with the folder in its
    message, and the published warehouse keeps its evaluation rows byte for byte."""
    import hashlib
    import shutil

    from conftest import run_dbt
    from dbt_runs import Run

    raw_root, validated, _ = validated_warehouse
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(validated, published)
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    for kind, found in (
        ("empty", "no input file"),
        ("all_rejected", "every input unit was rejected: broken_json: 1, truncated_file: 1"),
    ):
        folder = eval_folder_without_rows(tmp_path / f"eval_{kind}", kind)
        dbt_vars = {"raw_root": str(raw_root), "eval_root": str(folder), "model_layer": False}
        target = tmp_path / f"target_{kind}"
        log = run_dbt("build", published, dbt_vars, "--target-path", str(target), check=False)
        assert (target / "run_results.json").exists(), log[-5000:]
        run = Run(log, target)
        assert run.status[run.node("eval_landing")] == "error", run.log[-3000:]
        message = run.message[run.node("eval_landing")]
        assert f"eval_root {str(folder)!r} yields no evaluation record ({found})" in message
        assert "eval_root: none" in message  # what to do instead
        assert run.status[run.node("mart_pipeline_funnel")] == "skipped"
        assert hashlib.sha256(published.read_bytes()).hexdigest() == digest
    landed = "select count(*) from raw.eval_landing where status = 'landed'"
    assert query(published, landed) == query(validated, landed) != [(0,)]


def test_eval_root_none_turns_evaluation_and_the_experiment_off(tmp_path, validated_warehouse):
    """eval_root none: nothing is landed or decontaminated against (the leaked copies of evaluation
    rows stay in the pool), no arm is drawn although one is asked for, and the funnel and the report
    say that evaluation is off. Built over a warehouse that had an evaluation set: the row guard
    lets the evaluation tables the user turned off empty, and the build publishes."""
    import shutil

    from dbt_runs import dbt_build

    from sftmart.report import write_report

    expected = write_fixture(tmp_path / "raw")
    db = tmp_path / "none.duckdb"
    shutil.copyfile(validated_warehouse[1], db)
    assert query(db, "select count(*) > 0 from raw.eval_landing") == [(True,)]
    dbt_vars = {"raw_root": str(tmp_path / "raw"), "eval_root": "none", "model_layer": False}
    run = dbt_build(db, tmp_path / "target", dbt_vars | {"arms": ["random"], "arm_seeds": [1]})
    assert run.status[run.node("eval_landing")] == "success"
    assert query(db, "select count(*) from raw.eval_landing") == [(0,)]
    assert query(db, "select count(*) from staging.stg_eval__records") == [(0,)]
    assert query(db, "select count(*) from intermediate.int_samples_decontaminated where not is_kept") == [(0,)]
    pool = dict(query(db, "select lang, count(*) from marts.mart_candidate_pool group by 1"))
    assert pool == {
        "en": expected["pool"]["en"] + sum(expected["eval_contamination"].values()),
        "zh": expected["pool"]["zh"],
    }
    assert query(db, "select count(*) from marts.mart_arm_mixes") == [(0,)]
    assert query(db, "select count(*) from intermediate.int_models_to_evaluate") == [(0,)]
    notes = query(
        db, "select lang, note from marts.mart_pipeline_funnel where stage = 'eval_decontaminated' order by lang"
    )
    assert [lang for lang, _ in notes] == ["en", "zh"]
    assert all("evaluation is off (eval_root: none)" in note and "checked nothing" in note for _, note in notes)
    assert query(db, "select count(*) from marts.mart_pipeline_funnel where note like '%evaluation is off%'") == [(2,)]
    page = write_report(db, tmp_path / "report").read_text(encoding="utf-8")
    assert 'data-evaluation="off"' in page and "<code>eval_root: none</code>" in page  # the experiment section
    assert "evaluation is off (eval_root: none)" in page  # the funnel's note
    assert "Evaluation set</dt><dd>off (eval_root: none)" in page  # the overview
