"""Target examples (issue 21): target_root landed like the evaluation set, tagged, quarantined and
kept apart from the evaluation set; DSIR importance weights as SQL over the hashing UDF, checked
by hand and against the authors' `data-selection` package (the fixture: tests/target_dsir_fixture.py,
built once per session as conftest's `dsir_built`)."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest
from dbt_runs import dbt_build
from pipeline_fixture import BUNDLED_EVAL
from target_dsir_fixture import (
    TARGET_SUBSET,
    ZH_POOL,
    ZH_TARGET,
    query,
    text_of,
)

from udfs.dsir import NUM_BUCKETS, ngram_buckets

# ------------------------------------------------------------------ target examples are data


def test_target_rows_land_tagged_with_rejects_quarantined(dsir_built):
    db, run, _ = dsir_built
    assert query(db, "select count(*) from raw.target_landing") == [(60 + 1 + 3,)]
    kept = query(db, "select target_set, lang, count(*) from intermediate.int_target_records group by all order by 1")
    assert kept == [(TARGET_SUBSET, "en", 60), ("zh", "zh", 1)]
    quarantine = query(db, "select stage, reason from intermediate.int_target_quarantine order by reason")
    assert quarantine == [
        ("tagging", "empty_instruction_or_output"),
        ("tagging", "language_not_kept:other"),
        ("landing", "rejected:broken_json"),
    ]
    assert query(db, "select count(*) from raw.target_rejected_records") == [(1,)]
    # union-able with the evaluation rows decontamination reads (eval_id, lang, sample_text)
    cols = query(db, "select column_name from information_schema.columns where table_name = 'int_target_records'")
    assert [c for (c,) in cols][:3] == ["target_id", "lang", "sample_text"]
    overlap = run.test("target_rows_overlap_the_evaluation_set")
    assert run.status[overlap] == "pass"


def test_pool_rows_that_copy_a_target_example_never_train(dsir_built):
    """Target rows are decontaminated like evaluation rows (int_heldout_records_unioned): the two
    copies planted in the pool leave it as eval_contamination under the target set (exact_record),
    and so do pool rows that restate a target question (AQuA repeats questions with other numbers:
    ngram13), all of them from the target's subset."""
    db, _, _ = dsir_built
    planted = query(
        db,
        f"""select o.lang, o.drop_reason, o.drop_detail from marts.mart_record_outcomes as o
            join raw.alpaca_cot_records as r on r.record_id = o.sample_id
            where r.source_collection = 'copies' or r.instruction = '{ZH_TARGET[0]}' order by o.lang""",
    )
    assert planted == [
        ("en", "eval_contamination", "exact_record:target"),
        ("zh", "eval_contamination", "exact_record:target"),
    ]
    collections = query(
        db,
        """select distinct r.source_collection from marts.mart_record_outcomes as o
           join raw.alpaca_cot_records as r on r.record_id = o.sample_id
           where o.drop_detail like '%:target' order by 1""",
    )
    assert collections == [("alpaca-zh",), (TARGET_SUBSET,), ("copies",)]


def test_a_target_row_that_is_an_evaluation_row_fails_the_build(dsir_built, tmp_path):
    """The same row (same exact key) under target_root and eval_root (the bundled set): refused."""
    _, _, dbt_vars = dsir_built
    [leak] = [r for r in json.loads((BUNDLED_EVAL / "qa-en" / "questions.json").read_text())][:1]
    target = tmp_path / "target"
    (target / "leak").mkdir(parents=True)
    copy = {"instruction": leak["instruction"].upper(), "output": leak["output"]}  # case does not hide it
    (target / "leak" / "part.json").write_text(json.dumps([copy]), encoding="utf-8")
    run = dbt_build(
        tmp_path / "w.duckdb",
        tmp_path / "t",
        {**dbt_vars, "target_root": str(target)},
        "--select",
        "+target_rows_overlap_the_evaluation_set",
        check=False,
    )
    test = run.test("target_rows_overlap_the_evaluation_set")
    assert run.status[test] == "fail"
    assert "target_rows_overlap_the_evaluation_set" in run.log and "Got 1 result" in run.log


# ------------------------------------------------------------------ DSIR as SQL


def test_weights_agree_with_a_hand_computed_worked_case(dsir_built):
    """Chinese: the pool's four rows against the one target example. By hand: every character is a
    token, unigrams and bigrams hashed to sha256 % 10000, ln(p_t + 1e-8) - ln(p_p + 1e-8) summed."""
    from data_selection.hashed_ngram_dsir import hash_buckets

    def grams(text):
        chars = [c for c in text if not c.isspace()]
        return [hash_buckets(c) for c in chars] + [hash_buckets(a + " " + b) for a, b in zip(chars, chars[1:])]

    pool = {text_of(i, o): Counter(grams(text_of(i, o))) for i, o in ZH_POOL}
    target = Counter(grams(text_of(*ZH_TARGET)))
    pool_total = sum(pool.values(), Counter())
    n_t, n_p = sum(target.values()), sum(pool_total.values())

    def log_ratio(b):
        return math.log(target[b] / n_t + 1e-8) - math.log(pool_total[b] / n_p + 1e-8)

    by_hand = {text: sum(n * log_ratio(b) for b, n in counts.items()) for text, counts in pool.items()}
    db = dsir_built[0]
    got = dict(
        query(
            db,
            """select concat_ws(chr(10), p.instruction, nullif(p.input, ''), p.output), w.log_importance_weight
               from intermediate.int_dsir_pool_weights as w join marts.mart_candidate_pool as p using (sample_id)
               where w.lang = 'zh'""",
        )
    )
    assert got.keys() == by_hand.keys()
    for text, weight in by_hand.items():
        assert got[text] == pytest.approx(weight, abs=1e-9)
    # the row sharing the target's topic (autumn vs spring descriptions) weighs most
    assert max(got, key=got.get).startswith(ZH_POOL[3][0])


def test_ranking_equals_the_data_selection_package_on_real_rows(dsir_built, tmp_path):
    """English: the package's HashedNgramDSIR on the same texts gives the same weights (1e-6)."""
    from data_selection import HashedNgramDSIR

    db = dsir_built[0]
    pool = query(
        db,
        """select w.sample_id, concat_ws(chr(10), p.instruction, nullif(p.input, ''), p.output),
                  w.log_importance_weight
           from intermediate.int_dsir_pool_weights as w join marts.mart_candidate_pool as p using (sample_id)
           where w.lang = 'en' order by w.sample_id""",
    )
    target = query(db, "select sample_text from intermediate.int_target_records where lang = 'en' order by 1")
    assert len(pool) > 400 and len(target) == 60
    for name, texts in (("pool", [t for _, t, _ in pool]), ("target", [t for (t,) in target])):
        lines = [json.dumps({"text": t}, ensure_ascii=False) for t in texts]
        (tmp_path / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dsir = HashedNgramDSIR(
        [str(tmp_path / "pool.jsonl")], [str(tmp_path / "target.jsonl")], str(tmp_path / "cache"), num_proc=1
    )
    dsir.fit_importance_estimator(num_tokens_to_fit="all")
    dsir.compute_importance_weights()
    theirs = np.load(tmp_path / "cache" / "log_importance_weights" / "0.npy")
    ours = np.array([w for _, _, w in pool])
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    assert (np.argsort(-ours, kind="stable") == np.argsort(-theirs, kind="stable")).all()


def test_features_are_the_package_features_and_chinese_is_split_into_characters():
    from data_selection.hashed_ngram_dsir import get_ngram_counts

    texts = ["Héllo, wörld_x 3.5 !! İzmir ½ x²", "", None, "春天来了，小草abc钻出来。"]
    got = ngram_buckets(pa.array(texts)).to_pylist()
    assert got[2] is None and got[1] == []
    ours = np.bincount(np.array(got[0], dtype=np.int64), minlength=NUM_BUCKETS)
    assert (ours == get_ngram_counts(texts[0], n=2, num_buckets=NUM_BUCKETS)).all()
    chars = ["春", "天", "来", "了", "，", "小", "草", "abc", "钻", "出", "来", "。"]
    spaced = " ".join(chars)  # the package's features of the text with every Han character spaced out
    ours = np.bincount(np.array(got[3], dtype=np.int64), minlength=NUM_BUCKETS)
    assert (ours == get_ngram_counts(spaced, n=2, num_buckets=NUM_BUCKETS)).all()


def test_features_are_the_same_when_duckdb_calls_from_two_threads(real_en):
    """The cross-call cache is shared: two threads at once give what one thread gives."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [text_of(r["instruction"], r["output"]) for r in real_en[:6000]]
    batches = [pa.array(texts[i : i + 500]) for i in range(0, len(texts), 500)]
    with ThreadPoolExecutor(2) as pool:
        parallel = list(pool.map(ngram_buckets, batches))
    assert all(a.equals(ngram_buckets(b)) for a, b in zip(parallel, batches))
