"""The target-examples fixture (issue 21) that tests/test_target_dsir*.py share through conftest's
`dsir_built`: a pool of real Alpaca-CoT rows of four CoT subsets plus a few Chinese rows, a target
of 60 other rows of one subset (aqua) plus one Chinese example and a broken file, one dbt build
(model layer off)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from conftest import SHARED_DATA
from dbt_runs import dbt_build
from pipeline_fixture import ZH

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


def build_target_dsir(base: Path) -> tuple[Path, object, dict]:
    raw, target = write_roots(base)
    db = base / "w.duckdb"
    dbt_vars = {**VARS, "raw_root": str(raw), "target_root": str(target)}
    run = dbt_build(db, base / "target_dbt", dbt_vars)
    return db, run, dbt_vars


ARM_POOL = "marts.mart_arm_mixes join marts.mart_candidate_pool using (sample_id)"


def aqua_share(db, table: str, where: str = "") -> float:
    rows = dict(query(db, f"select source_collection = {TARGET_SUBSET!r}, count(*) from {table} {where} group by all"))
    return rows.get(True, 0) / sum(rows.values())


def budget_fills(db, mix_label: str) -> list[tuple]:
    """Per mix (the training mix as `mix_label`, each arm and seed) and language: whether its tokens
    stay within the language's budget and reach 98% of it (intermediate.int_mix_budget)."""
    return query(
        db,
        f"""with mixes as (
               select {mix_label!r} as mix, lang, n_tokens from marts.mart_training_mix
               union all
               select arm || seed, lang, n_tokens from marts.mart_arm_mixes
           )
           select m.mix, m.lang, sum(m.n_tokens) <= b.lang_budget, sum(m.n_tokens) >= 0.98 * b.lang_budget
           from mixes as m join intermediate.int_mix_budget as b using (lang)
           group by m.mix, m.lang, b.lang_budget order by 1, 2""",
    )
