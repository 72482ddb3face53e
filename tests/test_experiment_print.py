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
            ('curated', '{LONG_SET}', 'en', 'nll', 2.123456789, 2.2, -0.076543211, -0.1234567, -0.0296543, 3,
             'better'),
            ('kit', '{LONG_SET}', 'en', 'nll', 2.5, 2.2, 0.3, null, null, 1, 'not comparable'))
            as t(arm, eval_set, lang, metric, mean_value, random_mean, delta_vs_random, ci_low, ci_high, n_seeds,
                 verdict)""")
        # whole-mix rows (lang null) and a language row, which the per-arm figures leave out
        con.sql("""create table marts.mart_arm_tokens as select * from (values
            ('curated', 1, null, 6126, 6126, 18000), ('curated', 2, null, 6120, 6120, 18100),
            ('curated', 1, 'en', 3000, 3000, null), ('random', 1, null, 6125, 6125, 17990),
            ('kit', 1, null, 9000, 6000, null))
            as t(arm, seed, lang, real_tokens, counted_tokens, trained_tokens)""")


def test_off_a_terminal_the_comparison_prints_whole_as_csv(tmp_path, capsys):
    make_warehouse(tmp_path / "w.duckdb")
    out = io.StringIO()  # not a terminal
    print_comparison(tmp_path / "w.duckdb", out)
    comparison, tokens = out.getvalue().split("\n\n")
    rows = list(csv.DictReader(io.StringIO(comparison)))
    assert [(r["arm"], r["eval_set"], r["verdict"]) for r in rows] == [
        ("curated", LONG_SET, "better"),
        ("kit", LONG_SET, "not comparable"),
    ]
    assert (rows[0]["mean"], rows[0]["delta"], rows[0]["ci_low"], rows[0]["seeds"]) == (
        "2.123456789", "-0.076543211", "-0.1234567", "3",
    )  # fmt: skip
    assert rows[1]["ci_low"] == rows[1]["ci_high"] == ""
    per_arm = {r["arm"]: r for r in csv.DictReader(io.StringIO(tokens))}
    assert per_arm["curated"] == {
        "arm": "curated", "seeds": "2", "real_tokens": "6123", "counted_tokens": "6123", "trained_tokens": "18050",
    }  # fmt: skip
    assert per_arm["kit"]["real_tokens"] == "9000" and per_arm["kit"]["trained_tokens"] == ""
    # the default output is stdout, here captured by pytest: not a terminal either
    print_comparison(tmp_path / "w.duckdb")
    assert capsys.readouterr().out == out.getvalue()
