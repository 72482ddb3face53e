"""Target examples (issue 21): target_root landed like the evaluation set, tagged, quarantined and
kept apart from the evaluation set; DSIR importance weights as SQL over the hashing UDF, checked
by hand and against the authors' `data-selection` package; the `order by: dsir` recipe step.

One dbt build (model layer off) serves most tests: the pool is real Alpaca-CoT rows of four CoT
subsets plus a few Chinese rows, the target 60 other rows of one subset (aqua) plus one Chinese
example and a broken file."""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from conftest import SHARED_DATA, run_dbt
from dbt_runs import dbt_build
from pipeline_fixture import BUNDLED_EVAL, ZH

from udfs.dsir import NUM_BUCKETS, ngram_buckets

SUBSETS = ("aqua", "creak", "ecqa", "sensemaking")
POOL_PER_SUBSET = 120
TARGET_SUBSET, TARGET_ROWS = "aqua", slice(2000, 2060)
ZH_POOL = [z for i, z in enumerate(ZH) if i != 2]  # Han characters and single punctuation marks only
ZH_TARGET = (
    "请写一段关于春天的简短描写。",
    "春天来了，小草从地里钻出来，柳树长出嫩绿的新叶，田野里开满了五颜六色的花。",
)
TARGET_BROKEN = [
    '{"instruction": "cut',
    json.dumps({"instruction": "Quelle est la capitale de la France ?", "output": "La capitale est Paris."}),
    json.dumps({"instruction": "An empty answer follows.", "output": "   "}),
]
BUDGET = 13340  # 12,006 English tokens: about 55% of the aqua rows' tokens, 20% of the English pool's
VARS = {
    "model_layer": False,
    "token_budget": BUDGET,
    "en_ratio": 0.9,
    "ratio_policy": "fill",  # the four Chinese rows cannot fill their share: they all go in
    "sample_seed": 1,
    "arms": ["random", "target_dsir"],
    "arm_seeds": [1, 2],
    "selection_recipe": [{"step": "order", "by": "dsir"}],
}


def cot(subset: str) -> list[dict]:
    return json.loads((SHARED_DATA / "chain-of-thought" / f"{subset}_train.json").read_text(encoding="utf-8"))


def text_of(instruction: str, output: str) -> str:
    return f"{instruction}\n{output}"  # the sample text of a record without input


def query(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def write_roots(base: Path) -> tuple[Path, Path]:
    raw, target = base / "raw", base / "target"
    for subset in SUBSETS:
        (raw / subset).mkdir(parents=True)
        rows = cot(subset)[:POOL_PER_SUBSET]
        (raw / subset / "part-0.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    # copies of two target examples in the pool, as they are: decontamination must remove them
    (raw / "copies").mkdir()
    (raw / "copies" / "part-0.json").write_text(json.dumps(cot(TARGET_SUBSET)[TARGET_ROWS][:1]), encoding="utf-8")
    (raw / "alpaca-zh").mkdir()
    lines = [json.dumps({"instruction": i, "input": "", "output": o}, ensure_ascii=False) for i, o in ZH_POOL]
    lines.append(json.dumps({"instruction": ZH_TARGET[0], "input": "", "output": ZH_TARGET[1]}, ensure_ascii=False))
    (raw / "alpaca-zh" / "part-0.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (target / TARGET_SUBSET).mkdir(parents=True)
    rows = cot(TARGET_SUBSET)[TARGET_ROWS]
    (target / TARGET_SUBSET / "examples.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    (target / "zh").mkdir()
    zh = {"instruction": ZH_TARGET[0], "output": ZH_TARGET[1]}
    (target / "zh" / "examples.jsonl").write_text(json.dumps(zh, ensure_ascii=False) + "\n", encoding="utf-8")
    (target / "broken").mkdir()
    (target / "broken" / "checks.jsonl").write_text("\n".join(TARGET_BROKEN) + "\n", encoding="utf-8")
    return raw, target


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    base = tmp_path_factory.mktemp("target_dsir")
    raw, target = write_roots(base)
    db = base / "w.duckdb"
    dbt_vars = {**VARS, "raw_root": str(raw), "target_root": str(target)}
    run = dbt_build(db, base / "target_dbt", dbt_vars)
    return db, run, dbt_vars


# ------------------------------------------------------------------ target examples are data


def test_target_rows_land_tagged_with_rejects_quarantined(built):
    db, run, _ = built
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


def test_pool_rows_that_copy_a_target_example_never_train(built):
    """Target rows are decontaminated like evaluation rows (int_heldout_records_unioned): the two
    copies planted in the pool leave it as eval_contamination under the target set (exact_record),
    and so do pool rows that restate a target question (AQuA repeats questions with other numbers:
    ngram13), all of them from the target's subset."""
    db, _, _ = built
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


def test_a_target_row_that_is_an_evaluation_row_fails_the_build(built, tmp_path):
    """The same row (same exact key) under target_root and eval_root (the bundled set): refused."""
    _, _, dbt_vars = built
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


def test_weights_agree_with_a_hand_computed_worked_case(built):
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
    db = built[0]
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


def test_ranking_equals_the_data_selection_package_on_real_rows(built, tmp_path):
    """English: the package's HashedNgramDSIR on the same texts gives the same weights (1e-6)."""
    from data_selection import HashedNgramDSIR

    db = built[0]
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


# ------------------------------------------------------------------ the `order by: dsir` recipe step


ARM_POOL = "marts.mart_arm_mixes join marts.mart_candidate_pool using (sample_id)"


def aqua_share(db, table: str, where: str = "") -> float:
    rows = dict(query(db, f"select source_collection = {TARGET_SUBSET!r}, count(*) from {table} {where} group by all"))
    return rows.get(True, 0) / sum(rows.values())


def test_the_dsir_mix_draws_mostly_the_target_subset_and_random_does_not(built):
    db = built[0]
    dsir_share = aqua_share(db, "marts.mart_training_mix", "where lang = 'en'")
    random_share = aqua_share(db, ARM_POOL, "where arm = 'random' and mart_arm_mixes.lang = 'en'")
    assert dsir_share >= 0.9 and random_share <= 0.5, (dsir_share, random_share)
    # the order is the Gumbel top-k: the mix is the largest draw keys, in the language's share
    [(en_budget,)] = query(db, "select lang_budget from intermediate.int_mix_budget where lang = 'en'")
    keys = query(
        db,
        """select w.sample_id, p.n_tokens from intermediate.int_dsir_pool_weights as w
           join marts.mart_candidate_pool as p using (sample_id) where w.lang = 'en'
           order by w.draw_key desc, w.sample_id""",
    )
    # the fill never exceeds the share and skips a sample that would overshoot; the ranked draw keeps
    # its top (ratio_sample's near-rank bands: the first 90% of the share are the top keys)
    cumulative, top = 0, set()
    for sample_id, n in keys:
        if cumulative + n > 0.85 * en_budget:
            break
        top.add(sample_id)
        cumulative += n
    mix = dict(query(db, "select sample_id, n_tokens from marts.mart_training_mix where lang = 'en'"))
    assert top <= set(mix) and sum(mix.values()) <= en_budget


def test_same_budget_and_ratio_as_random(built):
    db = built[0]
    per_lang = query(
        db,
        """with mixes as (
               select 'dsir' as mix, lang, n_tokens from marts.mart_training_mix
               union all
               select arm || seed, lang, n_tokens from marts.mart_arm_mixes
           )
           select m.mix, m.lang, sum(m.n_tokens) <= b.lang_budget, sum(m.n_tokens) >= 0.98 * b.lang_budget,
                  b.pool_tokens
           from mixes as m join intermediate.int_mix_budget as b using (lang)
           group by m.mix, m.lang, b.lang_budget, b.pool_tokens order by 1, 2""",
    )
    # English fills its share within 2% and never over; Chinese (fill) takes its whole pool
    mixes = ["dsir", "random1", "random2", "target_dsir1", "target_dsir2"]
    assert [r[:4] for r in per_lang] == [(m, lang, True, lang == "en") for m in mixes for lang in ("en", "zh")]
    zh = query(db, "select count(*) from marts.mart_training_mix where lang = 'zh'")
    assert zh == [(len(ZH_POOL),)]


def test_the_target_dsir_arm_is_the_dsir_draw_and_a_seed_changes_it(built):
    """The arm at seed 1 draws nearly what `order by: dsir` draws at sample_seed 1 (the pool is the
    curated pool here: no filter step; the training mix draws its ranked order in near-rank bands,
    the arm by the Gumbel keys alone). DSIR's log weights over whole texts lie several nats apart,
    so the Gumbel draw is close to the top-k: another seed moves its margin only."""
    db = built[0]
    mix = {s for (s,) in query(db, "select sample_id from marts.mart_training_mix")}
    arms = query(db, "select seed, list(sample_id) from marts.mart_arm_mixes where arm = 'target_dsir' group by 1")
    draws = {seed: set(ids) for seed, ids in arms}
    assert len(draws[1] & mix) >= 0.85 * len(mix), (len(draws[1] & mix), len(mix))
    assert draws[2] != draws[1]
    arm_2 = aqua_share(db, ARM_POOL, "where arm = 'target_dsir' and seed = 2 and mart_arm_mixes.lang = 'en'")
    assert arm_2 >= 0.85  # the last tenth of the share is drawn from the next-ranked 30% (near-rank bands)
    random_draws = query(db, "select seed, list(sample_id) from marts.mart_arm_mixes where arm = 'random' group by 1")
    assert len({frozenset(ids) for _, ids in random_draws}) == 2


def test_features_are_the_same_when_duckdb_calls_from_two_threads(real_en):
    """The cross-call cache is shared: two threads at once give what one thread gives."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [text_of(r["instruction"], r["output"]) for r in real_en[:6000]]
    batches = [pa.array(texts[i : i + 500]) for i in range(0, len(texts), 500)]
    with ThreadPoolExecutor(2) as pool:
        parallel = list(pool.map(ngram_buckets, batches))
    assert all(a.equals(ngram_buckets(b)) for a, b in zip(parallel, batches))


# ------------------------------------------------------------------ the target's provenance and the report


def test_the_targets_provenance_is_recorded_with_every_target_aware_mix(built):
    db, _, dbt_vars = built
    rows = query(db, "select lang, sample_text from intermediate.int_target_records order by lang, sample_text")
    digest = hashlib.md5("\x1e".join(f"{lang}\x1f{text}" for lang, text in rows).encode()).hexdigest()
    assert query(db, "select * from intermediate.int_target_provenance") == [(dbt_vars["target_root"], 61, digest)]
    mixes = query(db, "select mix, seed, target_content_hash from marts.mart_mix_target_provenance order by 1, 2")
    assert mixes == [("target_dsir", 1, digest), ("target_dsir", 2, digest), ("training_mix", None, digest)]


def test_training_runs_of_target_aware_mixes_record_the_target(built, tmp_path):
    """A run of a target_* arm's mix records the target's provenance in training_runs; a random
    arm's run does not (two planted adapter rows, the real training_runs model run over them)."""
    db, _, dbt_vars = built
    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        for arm in ("target_dsir", "random"):
            con.execute(
                "insert into marts.arm_adapters (arm, seed, node, status, run_id, data_source) values (?, 1, 'arm', 'trained', ?, ?)",
                [arm, f"run-{arm}", f"mart_arm_mixes:{arm}-1"],
            )
    run_dbt("run", copy, dbt_vars, "--select", "training_runs", "--target-path", str(tmp_path / "t"))
    [(digest,)] = query(db, "select target_content_hash from intermediate.int_target_provenance")
    runs = query(
        copy, "select run_id, target_root, target_rows, target_content_hash from marts.training_runs order by 1"
    )
    assert runs == [("run-random", None, None, None), ("run-target_dsir", dbt_vars["target_root"], 61, digest)]


def test_the_report_shows_where_the_target_aware_mixes_came_from(built, tmp_path):
    from sftmart.report import write_report

    db = built[0]
    page = write_report(db, tmp_path / "report", gx_docs="").read_text(encoding="utf-8")
    section = re.search(r'<section id="target".*?</section>', page, re.S).group(0)
    [(digest,)] = query(db, "select target_content_hash from intermediate.int_target_provenance")
    assert f'data-target-hash="{digest}"' in section
    shown: dict[str, dict[str, float]] = {}
    for collection, row in re.findall(r'<tr data-collection="([^"]+)">(.*?)</tr>', section, re.S):
        for mix, share in re.findall(r'data-mix="([^"]+)" data-share="([0-9.]+)"', row):
            shown.setdefault(mix, {})[collection] = float(share)
    expected = {
        arm: dict(
            query(
                db,
                f"select source_collection, count(*) / sum(count(*)) over () from {ARM_POOL} where arm = '{arm}' group by 1",
            )
        )
        for arm in ("target_dsir", "random")
    }
    expected["training_mix"] = dict(
        query(db, "select source_collection, count(*) / sum(count(*)) over () from marts.mart_training_mix group by 1")
    )
    for mix, shares in expected.items():
        assert {c: s for c, s in shown[mix].items() if s > 0} == pytest.approx(shares, abs=1e-6), mix
    assert shown["target_dsir"][TARGET_SUBSET] > 0.8 > 0.5 > shown["random"][TARGET_SUBSET]
    assert 'data-plot="dsir-weights"' in section and "data:image/png;base64," in section
    assert re.findall(r'<tr data-lang="([^"]+)">', section) == ["en", "zh"]
