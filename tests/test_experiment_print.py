"""`sftmart experiment`'s printed comparison off a terminal (a log, CI, a pipe): CSV, every arm name
and number whole, where rich cut each cell to fit 80 columns."""

from __future__ import annotations

import csv
import io

import duckdb

from sftmart.experiment import print_comparison

LONG_SET = "a-held-out-evaluation-set-with-a-long-name"


def make_warehouse(path):
    with duckdb.connect(str(path)) as con:
        con.sql("create schema marts")
        con.sql(f"""create table marts.mart_arm_comparison as select * from (values
            ('curated', '{LONG_SET}', 'en', 'nll', true, 2.123456789, 2.2, -0.076543211, -0.1234567, -0.0296543, 3,
             0.0015, 0.003, 5, 5, 'better'),
            ('curated', '{LONG_SET}', 'en', 'acc', false, 0.5, 0.4, 0.1, -0.2, 0.4, 3, null, null, null, null,
             'no difference'),
            ('kit', '{LONG_SET}', 'en', 'nll', true, 2.5, 2.2, 0.3, null, null, 1, null, null, 0, 5, 'not comparable'))
            as t(arm, eval_set, lang, metric, is_primary, mean_value, random_mean, delta_vs_random, ci_low, ci_high,
                 n_seeds, p_value, p_holm, beats_random, n_random_draws, verdict)""")
        con.sql("alter table marts.mart_arm_comparison add column budget_fraction double default 1.0")
        # whole-mix rows (lang null) and a language row, which the per-arm figures leave out
        con.sql("""create table marts.mart_arm_tokens as select * from (values
            ('curated', 1, 1.0, null, 6126, 6126, 18000), ('curated', 2, 1.0, null, 6120, 6120, 18100),
            ('curated', 1, 1.0, 'en', 3000, 3000, null), ('random', 1, 1.0, null, 6125, 6125, 17990),
            ('kit', 1, 1.0, null, 9000, 6000, null), ('curated', 1, 0.5, null, 3063, 3063, null))
            as t(arm, seed, budget_fraction, lang, real_tokens, counted_tokens, trained_tokens)""")


def test_off_a_terminal_the_comparison_prints_whole_as_csv(tmp_path, capsys):
    make_warehouse(tmp_path / "w.duckdb")
    out = io.StringIO()  # not a terminal
    print_comparison(tmp_path / "w.duckdb", out)
    comparison, tokens = out.getvalue().split("\n\n")
    rows = list(csv.DictReader(io.StringIO(comparison)))
    # the primary metric first, then the secondary ones
    assert [(r["arm"], r["eval_set"], r["metric"], r["primary"], r["verdict"]) for r in rows] == [
        ("curated", LONG_SET, "nll", "true", "better"),
        ("kit", LONG_SET, "nll", "true", "not comparable"),
        ("curated", LONG_SET, "acc", "false", "no difference"),
    ]
    assert (rows[0]["mean"], rows[0]["delta"], rows[0]["ci_low"], rows[0]["seeds"]) == (
        "2.123456789", "-0.076543211", "-0.1234567", "3",
    )  # fmt: skip
    assert (rows[0]["p_value"], rows[0]["p_holm"], rows[0]["beats_random"], rows[0]["random_draws"]) == (
        "0.0015", "0.003", "5", "5",
    )  # fmt: skip
    assert rows[1]["ci_low"] == rows[1]["ci_high"] == rows[1]["p_holm"] == rows[2]["beats_random"] == ""
    per_arm = {r["arm"]: r for r in csv.DictReader(io.StringIO(tokens))}
    assert per_arm["curated"] == {
        "arm": "curated", "seeds": "2", "real_tokens": "6123", "counted_tokens": "6123", "trained_tokens": "18050",
    }  # fmt: skip
    assert per_arm["kit"]["real_tokens"] == "9000" and per_arm["kit"]["trained_tokens"] == ""
    assert per_arm["curated @0.5"] == {  # a draw at half the budget: its own row, no run recorded
        "arm": "curated @0.5", "seeds": "1", "real_tokens": "3063", "counted_tokens": "3063", "trained_tokens": "",
    }  # fmt: skip
    # the default output is stdout, here captured by pytest: not a terminal either
    print_comparison(tmp_path / "w.duckdb")
    assert capsys.readouterr().out == out.getvalue()


def test_the_curve_headline_prints_as_a_third_block(tmp_path):
    make_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.sql("""create table marts.mart_arm_curve as select * from (values
            ('curated', 0.5, 'held', 'en', 3063e0, 2.2e0, 4000.5e0, 'interpolated', 'random needs 4,000 tokens ...'),
            ('random', 0.5, 'held', 'en', 3062e0, 2.3e0, null, null, null))
            as t(arm, budget_fraction, eval_set, lang, real_tokens, value, random_tokens_to_match, match, headline)""")
    out = io.StringIO()
    print_comparison(tmp_path / "w.duckdb", out)
    curve = list(csv.DictReader(io.StringIO(out.getvalue().split("\n\n")[2])))
    assert curve == [
        {"arm": "curated", "budget_fraction": "0.5", "eval_set": "held", "lang": "en", "real_tokens": "3063",
         "nll": "2.2", "random_tokens_to_match": "4000.5", "match": "interpolated",
         "headline": "random needs 4,000 tokens ..."},
    ]  # fmt: skip
