"""The ratio policy, the arms' sampler options and the arm comparison's maths, as SQL: the project's
macros (mix_budgets, ratio_sample, arm_comparison) compiled once by dbt and run by DuckDB on small
hand-made tables whose answers are worked out by hand below."""

from __future__ import annotations

import math
import statistics

import duckdb
import pytest
from conftest import run_dbt

SPLIT = "-- next query --"

# one inline template: every query the tests run, compiled by dbt in one process
QUERIES = {
    "hold": "{{ mix_budgets('pool', 1000, 0.5, 'hold') }}",
    "fill": "{{ mix_budgets('pool', 1000, 0.5, 'fill') }}",
    "roomy": "{{ mix_budgets('pool', 100, 0.5, 'hold') }}",
    "en_only": "{{ mix_budgets('pool', 1000, 1, 'hold') }}",
    "zh_only": "{{ mix_budgets('pool', 1000, 0, 'hold') }}",
    "no_zh": "{{ mix_budgets('pool_en', 1000, 0.5, 'hold') }}",
    "sample": "{{ ratio_sample('pool', seed=7, budgets='budgets') }}",
    "other_seed": "{{ ratio_sample('pool', seed=8, budgets='budgets') }}",
    "longest": "{{ ratio_sample('pool', budgets='budgets', order_by='p.n_response_tokens desc') }}",
    "kit": "{{ ratio_sample('pool', seed=7, budgets='budgets', count_by='n_prompt_tokens') }}",
    "comparison": "{{ arm_comparison('results', 'mixes') }}",
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, str]:
    inline = f"\n{SPLIT}\n".join(QUERIES.values())
    out = run_dbt("compile", tmp_path_factory.mktemp("c") / "w.duckdb", None, "--quiet", "--inline", inline)
    return dict(zip(QUERIES, out.split(SPLIT), strict=True))


@pytest.fixture()
def con():
    con = duckdb.connect()
    # en: 10 samples of 10 tokens (100); zh: 10 samples of 30 tokens (300); zh prompts grow and responses shrink with the id
    con.sql("""create table pool as
               select 'en-' || i as sample_id, 'en' as lang, 10 as n_tokens, 4 as n_prompt_tokens,
                      6 as n_response_tokens
               from range(10) as r(i)
               union all
               select 'zh-' || i, 'zh', 30, 8 + i, 22 - i from range(10) as r(i)""")
    con.sql("create table pool_en as select * from pool where lang = 'en'")
    yield con
    con.close()


def budgets(con, sql) -> dict[str, tuple]:
    rows = con.sql(f"select lang, effective_budget, lang_budget, note from ({sql})").fetchall()
    return {lang: (effective, lang_budget, note) for lang, effective, lang_budget, note in rows}


def test_hold_shrinks_the_budget_to_the_short_language(compiled, con):
    # en holds 100 tokens for a 500-token share: the largest budget keeping 50/50 is 100 / 0.5 = 200
    held = budgets(con, compiled["hold"])
    assert held["en"][:2] == (200, 100) and held["zh"][:2] == (200, 100)
    assert held["en"][2].startswith("ratio held: en ran out of candidates") and "to 200 tokens" in held["en"][2]
    assert "another language ran short" in held["zh"][2]
    fill = budgets(con, compiled["fill"])
    assert fill["en"][:2] == (1000, 500) and fill["en"][2].startswith("shortfall")
    roomy = budgets(con, compiled["roomy"])
    assert roomy == {"en": (100, 50, None), "zh": (100, 50, None)}


def test_a_language_with_share_zero_never_limits_and_none_empties(compiled, con):
    en_only = budgets(con, compiled["en_only"])
    assert en_only["en"][:2] == (100, 100) and en_only["zh"] == (100, 0, None)
    assert budgets(con, compiled["zh_only"])["zh"][:2] == (300, 300)
    assert budgets(con, compiled["zh_only"])["en"] == (300, 0, None)
    none = budgets(con, compiled["no_zh"])
    assert none["zh"][:2] == (0, 0) and "every mix is empty" in none["zh"][2]


def test_held_sample_keeps_the_ratio_within_one_sample(compiled, con):
    con.sql(f"create table budgets as {compiled['hold']}")
    got = dict(con.sql(f"select lang, sum(n_tokens) from ({compiled['sample']}) group by 1").fetchall())
    # en takes its whole pool (100); zh stops at the first sample reaching 100: 4 x 30 = 120
    assert got == {"en": 100, "zh": 120}
    # deterministic for a seed, another seed draws other zh samples (the en pool is taken whole)
    draws = [con.sql(f"select list(sample_id order by sample_id) from ({compiled[k]})").fetchall()[0][0]
             for k in ("sample", "sample", "other_seed")]  # fmt: skip
    assert draws[0] == draws[1] != draws[2]
    longest = con.sql(f"select sample_id from ({compiled['longest']}) where lang = 'zh' order by 1").fetchall()
    assert [s for (s,) in longest] == ["zh-0", "zh-1", "zh-2", "zh-3"]
    # the kit counts prompt tokens: zh prompts in a seeded order until 100 prompt tokens, more real tokens
    kit = con.sql(f"""select sum(n_prompt_tokens), sum(n_tokens), max(n_prompt_tokens)
                      from ({compiled["kit"]}) where lang = 'zh'""").fetchall()[0]
    assert kit[0] >= 100 and kit[0] - kit[2] < 100 and kit[1] > 120


T_975_DF2 = 4.3027  # Student t, 97.5% quantile, 2 degrees of freedom (statistical tables)


def test_comparison_is_a_paired_t_interval_over_seeds(compiled, con):
    values = {  # (arm, seed) -> nll on one eval set
        ("random", 1): 2.0, ("random", 2): 2.2, ("random", 3): 2.1,
        ("curated", 1): 1.5, ("curated", 2): 1.8, ("curated", 3): 1.6,
        ("length", 1): 2.0, ("length", 2): 2.2, ("length", 3): 2.1,  # identical to random
        ("kit", 1): 2.5,  # one seed
    }  # fmt: skip
    con.sql(
        "create table results (arm varchar, seed int, eval_set varchar, lang varchar, metric varchar, value double)"
    )
    for (arm, seed), value in values.items():
        con.execute("insert into results values (?, ?, 'held', 'en', 'nll', ?)", [arm, seed, value])
        con.execute("insert into results values (?, ?, 'held', 'en', 'acc', ?)", [arm, seed, 1 - value / 4])
    con.sql("""create table mixes as select * from (values ('random', 1, 10, 10), ('kit', 1, 15, 10))
               as t(arm, seed, n_tokens, counted_tokens)""")
    rows = con.sql(f"select * from ({compiled['comparison']}) order by arm, metric").fetchall()
    got = {(r[0], r[3]): r for r in rows}
    diffs = [values[("curated", s)] - values[("random", s)] for s in (1, 2, 3)]  # -0.5, -0.4, -0.5
    half = T_975_DF2 * statistics.stdev(diffs) / math.sqrt(3)
    arm, _, _, _, mean, random_mean, delta, low, high, n, verdict, *_ = got[("curated", "nll")]
    assert (mean, random_mean, n) == (pytest.approx(1.6333333), pytest.approx(2.1), 3)
    assert (delta, low, high) == pytest.approx((statistics.mean(diffs), statistics.mean(diffs) - half,
                                                statistics.mean(diffs) + half))  # fmt: skip
    assert high < 0 and verdict == "better"  # lower nll is better
    assert got[("curated", "acc")][10] == "better"  # higher accuracy is better
    identical = got[("length", "nll")]
    assert identical[6:11] == (0, 0, 0, 3, "no difference")
    kit = got[("kit", "nll")]
    assert kit[7:11] == (None, None, 1, "one seed: no interval")
    assert kit[11:] == (15, 10, 10)  # real tokens over counted: the kit's overshoot
