"""The curve's headline on synthetic numbers: where random's loss curve, interpolated linearly in log
tokens, reaches an arm's loss, and what it says when it never does within the measured budgets."""

from __future__ import annotations

import math

import duckdb
import pytest

from evaluation.arm_curve import curve_node, tokens_to_match

RANDOM = [(4000.0, 2.0), (1000.0, 2.4), (2000.0, 2.2)]  # any order


def test_interpolated_in_log_tokens():
    needed, match = tokens_to_match(RANDOM, 2.1)  # halfway between 2000 and 4000 in log tokens
    assert match == "interpolated" and needed == pytest.approx(math.sqrt(2000 * 4000))
    assert tokens_to_match(RANDOM, 2.2) == (2000.0, "measured")
    assert tokens_to_match(RANDOM, 2.0) == (4000.0, "measured")


def test_outside_the_measured_range():
    assert tokens_to_match(RANDOM, 1.9) == (None, "beyond the measured range")  # random never gets this low
    assert tokens_to_match(RANDOM, 2.5) == (None, "below the measured range")
    assert tokens_to_match([(1000.0, 2.4)], 2.1) == (None, "one random budget: no curve")
    assert tokens_to_match([], 2.1) == (None, "no random curve")


def test_the_curve_table_and_its_headline():
    con = duckdb.connect()
    con.sql("""create table results as select * from (values
        ('random', 1, 0.5, 'held', 'en', 'nll', 2.4), ('random', 2, 0.5, 'held', 'en', 'nll', 2.4),
        ('random', 1, 1.0, 'held', 'en', 'nll', 2.0), ('random', 2, 1.0, 'held', 'en', 'nll', 2.0),
        ('random', 1, 1.0, 'held', 'en', 'acc', 0.5),
        ('curated', 1, 0.5, 'held', 'en', 'nll', 2.0), ('curated', 2, 0.5, 'held', 'en', 'nll', 2.4),
        ('curated', 1, 1.0, 'held', 'en', 'nll', 1.8), ('curated', 2, 1.0, 'held', 'en', 'nll', 1.8))
        as t(arm, seed, budget_fraction, eval_set, lang, metric, value)""")
    con.sql("""create table mixes as select arm, seed, budget_fraction, 500 * budget_fraction as n_tokens
               from (select distinct arm, seed, budget_fraction from results), range(2)""")
    rows = {
        (r["arm"], r["budget_fraction"]): r for r in curve_node(con.table("results"), con.table("mixes")).to_pylist()
    }
    assert rows["random", 1.0]["real_tokens"] == 1000 and rows["random", 1.0]["headline"] is None
    half = rows["curated", 0.5]
    assert (half["value"], half["real_tokens"], half["n_seeds"]) == (pytest.approx(2.2), 500, 2)
    assert half["random_tokens_to_match"] == pytest.approx(math.sqrt(500 * 1000)) and half["match"] == "interpolated"
    assert half["headline"].startswith("random needs 707 tokens to match curated at 500 tokens on held (en)")
    assert rows["curated", 1.0]["match"] == "beyond the measured range"
