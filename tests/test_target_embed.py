"""Embedding similarity toward the target (issue 21): each candidate's mean cosine to its k nearest
target examples (udfs/selection/target_similarity.py) by hand and against numpy on the warehouse's
own embeddings; the `order by: target_similarity` step and the `target_embed` arm.

test_target_dsir's roots (four CoT subsets in the pool, 60 aqua rows as the target): one `dbt build`
with the model layer off, then one of the embedding nodes and the mixes with it on (a tiny random
model), so no guide adapter trains and no guide scores are made (the recipe filters nothing)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SHARED_DATA, run_dbt
from dbt_runs import dbt_build
from lm_fixtures import make_tiny_model_dir
from target_dsir_fixture import ARM_POOL, TARGET_SUBSET, VARS, aqua_share, budget_fills, query, write_roots

from udfs.selection.target_similarity import centered_on, knn_mean_cosine

K = 3
EMBEDDING_NODES = ("mart_base_scores", "int_target_records_embedded", "mart_target_similarity", "mart_selection_order")
EMBEDDING_NODES += ("int_mix_budget", "mart_training_mix", "mart_arm_mixes")
EMBED_VARS = {
    **VARS,
    "model_layer": True,
    "model_dtype": "float32",
    "model_device": "cpu",
    "max_steps": 2,
    "train_batch_size": 4,
    "arms": ["random", "target_embed"],
    "selection_recipe": [{"step": "order", "by": "target_similarity"}],
    "target_similarity_k": K,
}


def test_mean_cosine_to_the_k_nearest_by_hand():
    """Targets at 0, 90 and 180 degrees; a candidate at 45 degrees has cosines cos45, cos45, -cos45:
    k=2 gives cos45, k=3 (and any larger k) cos45/3. Block size changes nothing."""
    targets = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    candidates = np.array([[1.0, 1.0], [5.0, 0.0], [0.0, -1.0]])
    c45 = math.cos(math.pi / 4)
    np.testing.assert_allclose(knn_mean_cosine(candidates, targets, 2), [c45, 0.5, 0.0], atol=1e-7)
    np.testing.assert_allclose(knn_mean_cosine(candidates, targets, 7), [c45 / 3, 0.0, -1 / 3], atol=1e-7)
    np.testing.assert_allclose(knn_mean_cosine(candidates, targets, 1, batch_rows=1), [c45, 1.0, 0.0], atol=1e-7)
    # centring: the shared offset goes, so (11, 10) is at 90 degrees from (11, 9) around (10, 10)
    np.testing.assert_allclose(centered_on([[11.0, 10.0], [10.0, 10.0]], [10.0, 10.0]), [[1, 0], [10, 10]])
    with pytest.raises(ValueError, match="without a direction"):
        knn_mean_cosine(np.zeros((1, 2)), targets, 1)
    with pytest.raises(ValueError, match="no target"):
        knn_mean_cosine(candidates, np.empty((0, 2)), 1)


def test_blocks_equal_one_pass_on_random_rows():
    rng = np.random.default_rng(0)
    c, t = rng.standard_normal((1000, 16)), rng.standard_normal((40, 16))
    cos = (c / np.linalg.norm(c, axis=1, keepdims=True)) @ (t / np.linalg.norm(t, axis=1, keepdims=True)).T
    want = np.sort(cos, axis=1)[:, -5:].mean(axis=1)
    np.testing.assert_allclose(knn_mean_cosine(c, t, 5, batch_rows=37), want, atol=1e-6)
    m = rng.standard_normal(16)  # centring on a vector, block by block: the centred rows' similarity
    cos = ((c - m) / np.linalg.norm(c - m, axis=1, keepdims=True)) @ (
        (t - m) / np.linalg.norm(t - m, axis=1, keepdims=True)
    ).T
    np.testing.assert_allclose(
        knn_mean_cosine(c, t, 5, center=m, batch_rows=37), np.sort(cos, axis=1)[:, -5:].mean(1), atol=1e-6
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    base = tmp_path_factory.mktemp("target_embed")
    raw, target = write_roots(base)
    model = make_tiny_model_dir(base / "tiny-model")
    dbt_vars = {**EMBED_VARS, "raw_root": str(raw), "target_root": str(target), "base_model": str(model)}
    db = base / "w.duckdb"
    plain = {**dbt_vars, "model_layer": False, "arms": ["random"], "selection_recipe": [{"step": "order"}]}
    dbt_build(db, base / "plain_dbt", plain)
    dbt_build(db, base / "target_dbt", dbt_vars, "--select", *EMBEDDING_NODES)
    return db, dbt_vars


def test_similarity_is_the_mean_cosine_to_the_k_nearest_centred_targets(built):
    """numpy on the warehouse's own embeddings: per language, candidates and targets centred on the
    candidates' mean, the mean of the k largest cosines (the one Chinese target: k = 1)."""
    db = built[0]
    got = dict(query(db, "select sample_id, target_similarity from marts.mart_target_similarity"))
    for lang, k in (("en", K), ("zh", 1)):
        pool = query(
            db,
            f"""select p.sample_id, b.embedding from marts.mart_candidate_pool as p
                join marts.mart_base_scores as b using (sample_id) where p.lang = '{lang}' order by 1""",
        )
        targets = query(db, f"select embedding from intermediate.int_target_records_embedded where lang = '{lang}'")
        x, t = np.array([e for _, e in pool], dtype=np.float64), np.array([e for (e,) in targets], dtype=np.float64)
        assert len(t) == (60 if lang == "en" else 1) and len(x) > (400 if lang == "en" else 3)
        mean = x.mean(axis=0)
        xc, tc = x - mean, t - mean
        cos = (xc / np.linalg.norm(xc, axis=1, keepdims=True)) @ (tc / np.linalg.norm(tc, axis=1, keepdims=True)).T
        want = np.sort(cos, axis=1)[:, -k:].mean(axis=1)
        np.testing.assert_allclose([got[s] for s, _ in pool], want, atol=2e-5)
    assert query(db, "select distinct lang, n_neighbours from marts.mart_target_similarity order by 1") == [
        ("en", K),
        ("zh", 1),
    ]


def test_target_embed_draws_mostly_the_target_subset_and_random_does_not(built):
    db = built[0]
    random_share = aqua_share(db, ARM_POOL, "where arm = 'random' and mart_arm_mixes.lang = 'en'")
    embed_share = aqua_share(db, ARM_POOL, "where arm = 'target_embed' and mart_arm_mixes.lang = 'en'")
    mix_share = aqua_share(db, "marts.mart_training_mix", "where lang = 'en'")  # order by: target_similarity
    assert embed_share >= 0.8 and mix_share >= 0.8 and random_share <= 0.5, (embed_share, mix_share, random_share)
    # the arm's first 90% of each share are the top similarities (near-rank bands of 30%)
    top = query(
        db,
        """with ranked as (
               select s.sample_id, sum(p.n_tokens) over (order by s.target_similarity desc, s.sample_id) as cumulative
               from marts.mart_target_similarity as s join marts.mart_candidate_pool as p using (sample_id)
               where s.lang = 'en')
           select sample_id from ranked
           where cumulative <= 0.85 * (select lang_budget from intermediate.int_mix_budget where lang = 'en')""",
    )
    for seed in (1, 2):
        drawn = {
            s
            for (s,) in query(
                db, f"select sample_id from marts.mart_arm_mixes where arm = 'target_embed' and seed = {seed}"
            )
        }
        assert {s for (s,) in top} <= drawn


def test_a_seed_changes_the_target_embed_draw(built):
    db = built[0]
    draws = query(
        db,
        "select seed, list(sample_id order by sample_id) from marts.mart_arm_mixes where arm = 'target_embed' group by 1",
    )
    assert len(draws) == 2 and draws[0][1] != draws[1][1]


def test_same_budget_and_ratio_as_random(built):
    db = built[0]
    per_lang = budget_fills(db, "mix")
    mixes = ["mix", "random1", "random2", "target_embed1", "target_embed2"]
    # English fills its share within 2% and never over; Chinese (ratio_policy fill) takes its whole pool
    assert per_lang == [(m, lang, True, lang == "en") for m in mixes for lang in ("en", "zh")]
    real = dict(query(db, "select arm || seed, sum(n_tokens) from marts.mart_arm_mixes group by 1"))
    assert max(real.values()) <= 1.02 * min(real.values())


def test_target_embed_without_a_target_root_is_refused(built, tmp_path):
    db, dbt_vars = built
    log = run_dbt(
        "compile", tmp_path / "w.duckdb", {**dbt_vars, "target_root": ""}, "--select", "mart_arm_mixes", check=False
    )
    assert "arm target_embed draws toward target examples: set target_root" in log
    assert TARGET_SUBSET == "aqua"
