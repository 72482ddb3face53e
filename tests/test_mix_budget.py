"""The ratio policy, the arms' sampler options and the arm comparison's maths, as SQL: the project's
macros (mix_budgets, ratio_sample, arm_comparison, arm_tokens) compiled once by dbt and run by DuckDB on small
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
    "fill_seeded": "{{ ratio_sample('varied', seed=7, budgets='budgets') }}",
    "fill_longest": "{{ ratio_sample('varied', budgets='budgets', order_by='p.n_tokens desc') }}",
    "fill_shortest": "{{ ratio_sample('varied', budgets='budgets', order_by='p.n_tokens') }}",
    "fill_banded": "{{ ratio_sample('varied', seed=7, budgets='budgets', order_by='p.n_tokens desc', near_rank_band=0.3) }}",
    "ranked_7": "{{ ratio_sample('ranked', seed=7, budgets='budgets', order_by='p.n_response_tokens desc', near_rank_band=0.3) }}",
    "ranked_8": "{{ ratio_sample('ranked', seed=8, budgets='budgets', order_by='p.n_response_tokens desc', near_rank_band=0.3) }}",
    "tolerance": "select {{ budget_tolerance() }} as tolerance",
    "comparison": "{{ arm_comparison('results', 'mixes', 'runs') }}",
    "arm_tokens": "{{ arm_tokens('mix_rows', 'runs') }}",
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


def test_held_sample_keeps_the_ratio_and_never_exceeds_the_budget(compiled, con):
    con.sql(f"create table budgets as {compiled['hold']}")
    got = dict(con.sql(f"select lang, sum(n_tokens) from ({compiled['sample']}) group by 1").fetchall())
    # en takes its whole pool (100); zh takes the 30-token samples that fit in 100: 3 x 30 = 90
    assert got == {"en": 100, "zh": 90}
    # deterministic for a seed, another seed draws other zh samples (the en pool is taken whole)
    draws = [con.sql(f"select list(sample_id order by sample_id) from ({compiled[k]})").fetchall()[0][0]
             for k in ("sample", "sample", "other_seed")]  # fmt: skip
    assert draws[0] == draws[1] != draws[2]
    longest = con.sql(f"select sample_id from ({compiled['longest']}) where lang = 'zh' order by 1").fetchall()
    assert [s for (s,) in longest] == ["zh-0", "zh-1", "zh-2"]
    # the kit counts prompt tokens: zh prompts (8..17 tokens) in a seeded order up to 100 prompt tokens,
    # skipping one that would overshoot for a later one that fits; more real tokens than the budget
    kit = con.sql(f"""select sum(n_prompt_tokens), sum(n_tokens), count(*)
                      from ({compiled["kit"]}) where lang = 'zh'""").fetchall()[0]
    assert 100 - 8 < kit[0] <= 100 and kit[1] == 30 * kit[2] > 120


def test_every_order_fills_the_budget_within_the_tolerance_and_never_over(compiled, con):
    # 400 samples per language of 20 to 199 tokens; 5,000 tokens per language (about 45 samples)
    con.sql("""create table varied as
               select lang || '-' || i as sample_id, lang, 20 + (i * 37 + len(lang)) % 180 as n_tokens
               from range(400) as r(i) cross join (values ('en'), ('zh')) as l(lang)""")
    con.sql("create table budgets as select * from (values ('en', 5000.0), ('zh', 5000.0)) as b(lang, lang_budget)")
    [(tolerance,)] = con.sql(compiled["tolerance"]).fetchall()
    tolerance = float(tolerance)
    assert tolerance == 0.02
    for name in ("fill_seeded", "fill_longest", "fill_shortest", "fill_banded"):
        got = dict(con.sql(f"select lang, sum(n_tokens) from ({compiled[name]}) group by 1").fetchall())
        # before: the first sample reaching the share overshot it by up to 199 tokens (4%)
        assert all((1 - tolerance) * 5000 <= got[lang] <= 5000 for lang in ("en", "zh")), (name, got)


def test_a_ranked_draw_keeps_its_top_and_changes_with_the_seed(compiled, con):
    # 100 samples of 10 tokens ranked by response length; 300 tokens: bands of 90 tokens (9 samples)
    con.sql("""create table ranked as
               select 'en-' || lpad(i::varchar, 3, '0') as sample_id, 'en' as lang, 10 as n_tokens,
                      1000 - i as n_response_tokens
               from range(100) as r(i)""")
    con.sql("create table budgets as select 'en' as lang, 300.0 as lang_budget")
    draws = [
        {s for (s,) in con.sql(f"select sample_id from ({compiled[k]})").fetchall()} for k in ("ranked_7", "ranked_8")
    ]
    top = {f"en-{i:03d}" for i in range(27)}  # three whole bands
    assert all(len(d) == 30 and top <= d and d - top <= {f"en-{i:03d}" for i in range(27, 36)} for d in draws)
    assert draws[0] != draws[1]  # the seed picks 3 of the 4th band's 9


T_975_DF2 = 4.3027  # Student t, 97.5% quantile, 2 degrees of freedom (statistical tables)


def test_comparison_is_a_paired_t_interval_over_seeds(compiled, con):
    values = {  # (arm, seed) -> nll on one eval set
        ("random", 1): 2.0, ("random", 2): 2.2, ("random", 3): 2.1,
        ("curated", 1): 1.5, ("curated", 2): 1.8, ("curated", 3): 1.6,
        ("length", 1): 2.0, ("length", 2): 2.2, ("length", 3): 2.1,  # identical to random
        ("length", 4): 9.0,  # a seed random did not run: in no pair, so in no mean
        ("kit", 1): 2.5,  # one seed
    }  # fmt: skip
    con.sql(
        "create table results (arm varchar, seed int, eval_set varchar, lang varchar, metric varchar, value double,"
        " budget_fraction double default 1.0)"
    )
    for (arm, seed), value in values.items():
        insert = "insert into results (arm, seed, eval_set, lang, metric, value) values (?, ?, 'held', 'en', ?, ?)"
        con.execute(insert, [arm, seed, "nll", value])
        con.execute(insert, [arm, seed, "acc", 1 - value / 4])
    # real tokens per language: curated within 2% of random's, the kit 50% over in English
    con.sql("""create table mixes as select *, 1.0::double as budget_fraction from (values
                   ('random', 1, 'en', 100, 100), ('random', 1, 'zh', 100, 100),
                   ('curated', 1, 'en', 99, 99), ('curated', 1, 'zh', 101, 101),
                   ('kit', 1, 'en', 150, 100), ('kit', 1, 'zh', 100, 60))
               as t(arm, seed, lang, n_tokens, counted_tokens)""")
    con.sql("""create table runs as select *, 1.0::double as budget_fraction
               from (values ('curated', 1, 600, 0), ('curated', 2, 640, 0))
               as t(arm, seed, tokens_seen, n_dropped_over_length)""")
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
    # counted, real and trained tokens per seed; comparable: within 2% per language
    assert got[("curated", "nll")][11:] == (200, 200, 200, 0.495, 0.5, 620, 0, True, 1.0)  # budget_fraction last
    identical = got[("length", "nll")]
    assert identical[4:11] == (pytest.approx(2.1), pytest.approx(2.1), 0, 0, 0, 3, "no difference")
    kit = got[("kit", "nll")]
    assert kit[7:11] == (None, None, 1, "not comparable")  # no better/worse verdict, whatever the seeds
    assert kit[11:15] == (250, 160, 200, 0.6) and kit[18] is False  # its real figures


def test_arm_tokens_per_language_and_per_mix_with_its_run(compiled, con):
    # one row per sample: curated seed 1 has two English and one Chinese sample at the full budget and
    # one at half of it; kit counts prompts only
    con.sql("""create table mix_rows as select * from (values
                   ('curated', 1, 1.0, 'en', 10, 10), ('curated', 1, 1.0, 'en', 20, 20),
                   ('curated', 1, 1.0, 'zh', 30, 30), ('curated', 1, 0.5, 'en', 15, 15),
                   ('curated', 2, 1.0, 'en', 40, 40), ('kit', 1, 1.0, 'en', 50, 20))
               as t(arm, seed, budget_fraction, lang, n_tokens, counted_tokens)""")
    # curated seed 2 was not trained; a run of a mix that is not there adds no row
    con.sql("""create table runs as select * from (values ('curated', 1, 1.0, 180, 0), ('curated', 1, 0.5, 45, 0),
                   ('kit', 1, 1.0, 150, 1), ('random', 1, 1.0, 99, 0))
               as t(arm, seed, budget_fraction, tokens_seen, n_dropped_over_length)""")
    rows = con.sql(
        f"select * from ({compiled['arm_tokens']}) order by arm, seed, budget_fraction, lang nulls last"
    ).fetchall()
    assert rows == [
        ("curated", 1, 0.5, "en", 1, 15, 15, None, None),
        ("curated", 1, 0.5, None, 1, 15, 15, 45, 0),
        ("curated", 1, 1.0, "en", 2, 30, 30, None, None),
        ("curated", 1, 1.0, "zh", 1, 30, 30, None, None),
        ("curated", 1, 1.0, None, 3, 60, 60, 180, 0),
        ("curated", 2, 1.0, "en", 1, 40, 40, None, None),
        ("curated", 2, 1.0, None, 1, 40, 40, None, None),
        ("kit", 1, 1.0, "en", 1, 50, 20, None, None),
        ("kit", 1, 1.0, None, 1, 50, 20, 150, 1),
    ]
