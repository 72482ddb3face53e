"""Held-out questions never train (issue 20): one `dbt build` (model layer off) of
pipeline_fixture's raw_root plus planted copies of a small evaluation set, each of which must leave
the pool at eval_decontaminated under the expected rule, while unrelated rows stay.

Planted (PLANTED: pool record -> (rule, evaluation set)): the same question with another answer,
a paraphrased answer sharing a 13-gram with the reference (and a Chinese one sharing 20
characters), a letter answer ("B") to a multiple-choice question given with its options, a bare
option list, a copy that differs from the evaluation record only in what cleaning rewrites
(double-escaped newlines and an HTML entity on the evaluation side), and real Alpaca-CoT CoT rows
(../shared/data/alpaca-cot/chain-of-thought, read in place) copied as they are, double-escaped `\\n`
included, into both the evaluation set and the pool."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from pipeline_fixture import record, write_fixture

COT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "alpaca-cot" / "chain-of-thought"
COT_ROWS = [("aqua_train.json", 0), ("ecqa_train.json", 0), ("creak_train.json", 1)]

LEAVES = record(
    "Why do leaves change colour in autumn?",
    "In autumn trees stop making chlorophyll, the green pigment, so the yellow and orange pigments "
    "that were hidden underneath become visible in the leaves.",
)
FRIDGE = record(
    "Describe how a refrigerator keeps food cold.",
    "A refrigerator pumps a refrigerant through a closed loop of pipes: the refrigerant absorbs heat "
    "from inside the cabinet as it evaporates and releases that heat outside as it is compressed again.",
)
STUDY_EVAL = record(  # as an evaluation file may ship it: double-escaped newline, HTML entity
    "Give two tips for staying focused while studying.",
    "First, put your phone in another room &amp; turn off notifications.\\nSecond, study in short "
    "blocks of about 25 minutes with a five-minute break between them.",
)
SKY_ZH = record(
    "请解释为什么天空是蓝色的。",
    "太阳光进入大气层以后，波长较短的蓝光被空气分子散射得比其他颜色更厉害，所以我们从各个方向都能看到蓝色的天空。",
)
GAS = {
    "instruction": "Which gas makes up most of the air we breathe?",
    "input": "",
    "output": "Nitrogen",
    "options": ["Oxygen", "Nitrogen", "Carbon dioxide", "Argon"],
    "answer": 1,
}
BOW = {
    "instruction": "Which of these instruments is played with a bow?",
    "input": "",
    "output": "Violin",
    "options": ["Trumpet", "Violin", "Drum kit", "Flute"],
    "answer": "B",
}
SUM = {  # a short option list: on its own it is in too many texts to count
    "instruction": "What is 7 plus 8?",
    "input": "",
    "output": "15",
    "options": ["13", "14", "15", "16"],
    "answer": 2,
}


def cot_rows() -> list[dict]:
    rows = []
    for name, index in COT_ROWS:
        rows.append(json.loads((COT_DIR / name).read_text(encoding="utf-8"))[index])
    assert all("\\n" in r["instruction"] + r["output"] for r in rows)  # really double-escaped
    return rows


def planted() -> list[tuple[dict, str, str]]:
    """(pool record, expected rule, evaluation set)."""
    return [
        (
            record(
                LEAVES["instruction"],
                "Shorter days and colder nights tell the tree to prepare for winter, so it pulls "
                "nutrients back from its leaves before they fall.",
            ),
            "question",
            "qa-en",
        ),
        (
            record(
                "How does a fridge work? Explain it briefly to a child.",
                "A special fluid travels round and round inside it. The refrigerant absorbs heat from "
                "inside the cabinet as it evaporates and releases that heat outside, so the food stays cool.",
            ),
            "ngram13",
            "qa-en",
        ),
        (
            record(
                "用简单的话告诉小朋友天空的颜色是从哪里来的。",
                "因为波长较短的蓝光被空气分子散射得比其他颜色更厉害，所以白天的天空看起来是蓝色的。",
            ),
            "ngram13",
            "qa-zh",
        ),
        (
            record(
                GAS["instruction"] + "\nA. Oxygen\nB. Nitrogen\nC. Carbon dioxide\nD. Argon\n"
                "Answer with the letter of the correct option.",
                "B",
            ),
            "options",
            "mc-en",
        ),
        (
            record(
                "Name four musical instruments, each from a different family, as a lettered list.",
                "(A) Trumpet (B) Violin (C) Drum kit (D) Flute",
            ),
            "options",
            "mc-en",
        ),
        (
            record(
                STUDY_EVAL["instruction"],
                STUDY_EVAL["output"].replace("&amp;", "&").replace("\\n", "\n"),
            ),
            "exact_record",
            "qa-en",
        ),
    ] + [(row, "exact_record", "cot-en") for row in cot_rows()]


UNRELATED = [
    record(
        "Count from eleven to seventeen using digits, separated by commas.",
        "Here they are in order: 11, 12, 13, 14, 15, 16, 17. That is seven numbers in total.",
    ),
    record(
        "Describe how a kettle boils water.",
        "An electric kettle passes current through a heating element at its base; the element gets hot "
        "and warms the water until it bubbles, and a thermostat switches it off at the boil.",
    ),
]


def write_eval_root(root: Path) -> None:
    sets = {
        "qa-en": [LEAVES, FRIDGE, STUDY_EVAL],
        "qa-zh": [SKY_ZH],
        "mc-en": [GAS, BOW, SUM],
        "cot-en": cot_rows(),
    }
    for name, rows in sets.items():
        (root / name).mkdir(parents=True)
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        (root / name / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def query(db, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from dbt_runs import dbt_build

    base = tmp_path_factory.mktemp("decontamination")
    write_fixture(base / "raw")
    (base / "raw" / "planted").mkdir()
    rows = [r for r, _, _ in planted()] + UNRELATED
    (base / "raw" / "planted" / "part-0.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    write_eval_root(base / "eval")
    dbt_vars = {"raw_root": str(base / "raw"), "eval_root": str(base / "eval"), "model_layer": False}
    dbt_build(base / "w.duckdb", base / "target", dbt_vars)
    return base / "w.duckdb"


def outcomes(db) -> dict[str, tuple]:
    """instruction of each landed training record -> (stage, reason, detail, match_kind)."""
    rows = query(
        db,
        """select s.instruction, o.dropped_at_stage, o.drop_reason, o.drop_detail, d.match_kind
           from marts.mart_record_outcomes as o
           join staging.stg_alpaca_cot__records as s using (sample_id)
           left join intermediate.int_samples_decontaminated as d using (sample_id)""",
    )
    return {r[0]: r[1:] for r in rows}


def test_every_planted_copy_leaves_the_pool_under_its_rule(warehouse):
    seen = outcomes(warehouse)
    for row, rule, eval_set in planted():
        assert seen[row["instruction"]] == (7, "eval_contamination", f"{rule}:{eval_set}", rule), row
    in_pool = {r[0] for r in query(warehouse, "select instruction from marts.mart_candidate_pool")}
    assert not in_pool & {row["instruction"] for row, _, _ in planted()}


def test_unrelated_rows_survive_decontamination(warehouse):
    seen = outcomes(warehouse)
    # a short option list ('13 14 15 16') and a topic near an evaluation question are no match
    for row in UNRELATED:
        assert seen[row["instruction"]][0] != 7 and seen[row["instruction"]][3] is None, row
    removed = query(warehouse, "select count(*) from intermediate.int_samples_decontaminated where not is_kept")
    assert removed == [(len(planted()),)]


def test_the_funnel_counts_removals_per_rule_and_evaluation_set(warehouse):
    funnel = dict(
        query(
            warehouse,
            """select lang, removed_by_detail from marts.mart_pipeline_funnel
               where stage = 'eval_decontaminated'""",
        )
    )
    expected: dict[str, dict[str, int]] = {}
    for _row, rule, eval_set in planted():
        lang = "zh" if eval_set.endswith("-zh") else "en"
        key = f"{rule}:{eval_set}"
        expected.setdefault(lang, {})[key] = expected.get(lang, {}).get(key, 0) + 1
    assert funnel == expected


def test_evaluation_rows_are_cleaned_like_training_rows(warehouse):
    """The evaluation side's text is the training side's cleaning of the same raw text: the CoT
    rows, double-escaped in both files, come out the same and with real newlines."""
    cot = query(
        warehouse,
        """select e.instruction, e.output, t.sample_id is not null
           from intermediate.int_eval_records_cleaned as e
           left join intermediate.int_records_cleaned as t using (instruction, input, output)
           where e.eval_set = 'cot-en'""",
    )
    assert len(cot) == len(COT_ROWS) and all(same for _, _, same in cot)
    assert all("\\n" not in ins + out and "\n" in ins + out for ins, out, _ in cot)
    [(study,)] = query(
        warehouse,
        f"""select response from intermediate.int_eval_records_filtered
            where prompt like '%{STUDY_EVAL["instruction"]}%'""",
    )
    assert study == planted()[5][0]["output"]


def test_ngram_hashes_ignore_case_and_punctuation_and_need_n_tokens():
    from udfs.ngrams import NGRAM_CHARS, NGRAM_WORDS, ngram_hashes_udf, token_hashes_udf

    words = [f"word{i}" for i in range(NGRAM_WORDS + 1)]
    plain = " ".join(words)
    noisy = "  ".join(w.upper() + ("," if i % 3 else "") for i, w in enumerate(words))
    zh = "波长较短的蓝光被空气分子散射得比其他颜色更厉害"
    got = ngram_hashes_udf(
        [plain, noisy, " ".join(words[:-2]), None, zh, "，".join(zh), zh[: NGRAM_CHARS - 1]],
        ["en", "en", "en", "en", "zh", "zh", "zh"],
    ).to_pylist()
    assert len(got[0]) == 2 and got[0] == got[1]  # two 13-grams, the same under case and punctuation
    assert got[2] == [] and got[3] is None  # 12 words: no 13-gram; null stays null
    assert len(got[4]) == len(zh) - NGRAM_CHARS + 1 and got[4] == got[5] and got[6] == []
    tokens = token_hashes_udf(["Carbon dioxide", "CARBON-dioxide!", "老虎、麻雀"]).to_pylist()
    assert sorted(tokens[0]) == sorted(tokens[1]) and len(tokens[2]) == 4
