"""The arm comparison's primary-metric statistics on synthetic numbers: the hierarchical bootstrap,
Holm's correction against a hand computation, the rank among random draws, and the comparison node
(evaluation/arm_comparison.py) turning them into verdicts on small DuckDB tables."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from evaluation.arm_comparison import comparison_node
from evaluation.arm_stats import beats_random, holm, paired_bootstrap, stable_seed

RNG = np.random.default_rng(7)
N_ITEMS = 40
TOKENS = RNG.integers(5, 30, size=N_ITEMS)
ITEM_NLL = RNG.uniform(1.5, 3.0, size=N_ITEMS) * TOKENS  # random's summed NLL per item


def test_identical_arms_give_zero_and_p_one():
    diff = np.zeros((3, N_ITEMS))
    assert paired_bootstrap(diff, TOKENS, seed=1) == (0.0, 0.0, 0.0, 1.0)


def test_a_clear_shift_is_seen_and_a_noisy_null_is_not():
    noise = RNG.normal(0, 0.3, size=(3, N_ITEMS)) * TOKENS
    delta, low, high, p = paired_bootstrap(noise - 0.2 * TOKENS, TOKENS, seed=1)  # 0.2 nats a token better
    assert high < 0 and low < delta < high and p == pytest.approx(2 / 2001)
    assert delta == pytest.approx((noise - 0.2 * TOKENS).sum() / (3 * TOKENS.sum()))
    _, low, high, p = paired_bootstrap(RNG.normal(0, 0.3, size=(3, N_ITEMS)) * TOKENS, TOKENS, seed=1)
    assert low < 0 < high and p > 0.05


def test_seed_noise_widens_the_interval():
    """A seed offset shared by all items of a seed is the seed-to-seed noise the seed level carries."""
    items = RNG.normal(0, 0.05, size=(3, N_ITEMS)) * TOKENS
    seed_offsets = np.array([[-0.3], [0.0], [0.25]]) * TOKENS
    _, low0, high0, _ = paired_bootstrap(items, TOKENS, seed=3)
    _, low1, high1, _ = paired_bootstrap(items + seed_offsets, TOKENS, seed=3)
    assert high1 - low1 > 5 * (high0 - low0)


def test_the_bootstrap_is_seeded():
    diff = RNG.normal(0, 1, size=(3, N_ITEMS))
    assert paired_bootstrap(diff, TOKENS, seed=stable_seed("a", 1)) == paired_bootstrap(
        diff, TOKENS, seed=stable_seed("a", 1)
    )
    with pytest.raises(ValueError, match="seeds x items"):
        paired_bootstrap(diff[:, :3], TOKENS)


def test_holm_against_a_hand_computation():
    # sorted p: 0.01 (x4 = 0.04), 0.015 (x3 = 0.045), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04 -> monotone 0.06)
    adjusted, survives = holm([0.03, 0.01, 0.04, 0.015])
    assert adjusted == pytest.approx([0.06, 0.04, 0.06, 0.045])
    assert survives == [False, True, False, True]
    assert holm([0.6, 0.01]) == ([0.6, 0.02], [False, True])
    assert holm([]) == ([], [])


def test_rank_among_random_draws():
    assert beats_random([2.0, 2.2], [2.3, 2.0, 2.15, 2.5, 1.9]) == 3  # mean 2.1 beats 2.3, 2.15 and 2.5
    assert beats_random([0.5], [0.4, 0.6], lower_is_better=False) == 1


def comparison(items: list[tuple]) -> dict:
    """comparison_node on int_arm_metrics_compared rows for two arms and per-item rows `items`."""
    con = duckdb.connect()
    con.sql("""create table metrics (arm varchar, eval_set varchar, lang varchar, metric varchar, mean_value double,
        random_mean double, delta_vs_random double, ci_low double, ci_high double, n_seeds bigint, verdict varchar,
        budget_fraction double default 1.0)""")
    con.sql("""insert into metrics (arm, eval_set, lang, metric, mean_value, random_mean, delta_vs_random, ci_low,
        ci_high, n_seeds, verdict) values
        ('same', 'held', 'en', 'nll', 2.0, 2.0, 0.0, -0.1, 0.1, 3, 'no difference'),
        ('close', 'held', 'en', 'nll', 1.8, 2.0, -0.2, -0.5, 0.1, 3, 'no difference'),
        ('close', 'held', 'en', 'acc', 0.5, 0.4, 0.1, -0.1, 0.3, 3, 'no difference'),
        ('kit', 'held', 'en', 'nll', 1.0, 2.0, -1.0, -1.1, -0.9, 3, 'not comparable')""")
    con.sql("create table items (arm varchar, seed int, budget_fraction double, eval_id varchar, eval_set varchar, "
            "lang varchar, nll_sum double, n_tokens bigint)")  # fmt: skip
    con.executemany("insert into items values (?, ?, 1.0, ?, 'held', 'en', ?, ?)", items)
    rows = comparison_node(con.table("metrics"), con.table("items")).to_pylist()
    return {(r["arm"], r["metric"]): r for r in rows}


def test_identical_arms_no_difference_and_a_shifted_arm_better_after_holm():
    items = []
    for seed in range(1, 6):  # K = 5 random draws
        noise = RNG.normal(0, 0.2, size=N_ITEMS) * TOKENS
        for i in range(N_ITEMS):
            base, n = float(ITEM_NLL[i] + noise[i]), int(TOKENS[i])
            items.append(("random", seed, f"e{i}", base, n))
            items.append(("same", seed, f"e{i}", base, n))
            items.append(("close", seed, f"e{i}", base - 0.3 * n, n))
            items.append(("kit", seed, f"e{i}", base - 1.0 * n, n))
    got = comparison(items)
    same, close, acc, kit = got["same", "nll"], got["close", "nll"], got["close", "acc"], got["kit", "nll"]
    assert same["verdict"] == "no difference" and same["p_value"] == 1.0 and same["delta_vs_random"] == 0.0
    assert close["verdict"] == "better" and close["holm_survives"] and close["ci_high"] < 0
    assert close["delta_vs_random"] == pytest.approx(-0.3)
    assert close["p_holm"] == pytest.approx(2 * close["p_value"])  # a family of two: kit is not comparable
    assert (close["beats_random"], close["n_random_draws"]) == (5, 5) and same["beats_random"] < 5  # the draws' mean
    assert close["interval_method"] == f"hierarchical bootstrap: 5 seeds x {N_ITEMS} items"
    assert kit["verdict"] == "not comparable" and kit["p_holm"] is None and kit["is_primary"]
    # a secondary metric keeps the macro's t interval and verdict, outside Holm
    assert not acc["is_primary"] and acc["p_value"] is None and acc["interval_method"] == "t over seeds"
    assert acc["verdict"] == "no difference"
