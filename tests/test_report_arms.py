"""The report's experiment section, rendered from a small warehouse holding only the experiment's
marts (the other sections say they are unavailable): one plot per metric, the comparison rows, the
kit's token overshoot, and 'unavailable' when no arm ran."""

from __future__ import annotations

import re

import duckdb

from sftmart.report import write_report


def arms_section(page: str) -> str:
    return re.search(r'<section id="arms".*?</section>', page, re.S).group(0)


def make_warehouse(path, with_arms: bool):
    with duckdb.connect(str(path)) as con:
        con.sql("create schema marts")
        con.sql("""create table marts.mart_eval_results (arm varchar, seed int, model_run varchar, eval_set varchar,
                   lang varchar, metric varchar, value double, n int)""")
        con.sql("insert into marts.mart_eval_results values ('final', null, 'r0', 'held', 'en', 'nll', 2.0, 10)")
        if with_arms:
            con.sql("""insert into marts.mart_eval_results
                       select arm, seed, 'r', 'held', lang, metric, value + seed / 10, 10
                       from (values ('random', 2.1), ('curated', 1.9), ('kit', 2.3)) as a(arm, value),
                            (values (1), (2)) as s(seed), (values ('en'), ('zh')) as l(lang),
                            (values ('nll'), ('acc')) as m(metric)""")
        con.sql(
            """create table marts.mart_arm_comparison as
                   select 'nll' as metric, 'held' as eval_set, 'en' as lang, 'curated' as arm, true as is_primary,
                          1.9 as mean_value, 2.1 as random_mean, -0.2 as delta_vs_random, -0.3 as ci_low,
                          -0.1 as ci_high, 2 as n_seeds, 0.004 as p_holm, 2 as beats_random, 2 as n_random_draws,
                          'better' as verdict, 1.0 as budget_fraction
                   where {}""".format("true" if with_arms else "false")
        )
        con.sql(
            """create table marts.mart_arm_tokens as
                   select * from (values ('random', 1, 1.0, null, 100, 100), ('kit', 1, 1.0, null, 160, 100),
                                         ('kit', 1, 1.0, 'en', 10, 100))
                   as t(arm, seed, budget_fraction, lang, real_tokens, counted_tokens) where {}""".format(
                "true" if with_arms else "false"
            )
        )
        con.sql(
            """create table marts.mart_arm_curve as select * from (values
                   ('held', 'en', 'random', 0.5, 50.0, 2.3, null), ('held', 'en', 'random', 1.0, 100.0, 2.1, null),
                   ('held', 'en', 'curated', 0.5, 50.0, 2.2, 'random needs 71 tokens to match curated at 50 tokens'),
                   ('held', 'en', 'curated', 1.0, 100.0, 1.9, 'random does not match curated at 100 tokens'))
                   as t(eval_set, lang, arm, budget_fraction, real_tokens, value, headline) where {}""".format(
                "true" if with_arms else "false"
            )
        )
    return path


def test_one_plot_per_metric_and_the_kit_overshoot(tmp_path):
    db = make_warehouse(tmp_path / "w.duckdb", with_arms=True)
    section = arms_section(write_report(db, tmp_path / "out", gx_docs="").read_text())
    assert sorted(re.findall(r'data-metric="([^"]+)"', section)) == ["acc", "nll"]
    assert section.count('src="data:image/png;base64,') == 3  # two metrics and the curve
    assert "better" in section and 'data-arm="curated" data-primary="true"' in section
    assert "2 of 2" in section and "0.004" in section  # beats both random draws; Holm's p
    assert "1.60x" in section  # kit: 160 real tokens for 100 counted
    # the loss curve over two budgets and its headlines
    assert section.count('data-plot="arm-curve"') == 1 and "random needs 71 tokens to match curated" in section


def test_unavailable_without_arms(tmp_path):
    db = make_warehouse(tmp_path / "w.duckdb", with_arms=False)
    section = arms_section(write_report(db, tmp_path / "out", gx_docs="").read_text())
    assert "Unavailable" in section and "<img" not in section
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    section = arms_section(write_report(bare, tmp_path / "out2", gx_docs="").read_text())
    assert "Not available" in section and "mart_eval_results" in section
