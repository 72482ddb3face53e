"""udfs/selection against brute force: K-Center-Greedy and the DEITA filter choose what the plain
loops choose; semantic dedup finds the exact pairs, keeps one member per cluster (the best), catches
paraphrases that MinHash does not link, and its approximate path recalls the exact pairs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from selection_oracle import deita_brute_force, exact_pairs_brute_force, kcenter_brute_force

from udfs.minhash import band_keys, connected_components, lsh_params, signatures
from udfs.selection.deita import deita_filter
from udfs.selection.kcenter import dense_kcenter, kcenter_greedy
from udfs.selection.kcenter_lazy import lazy_kcenter
from udfs.selection.pairs_ann import ann_pairs
from udfs.selection.pairs_exact import exact_pairs
from udfs.selection.semantic_dedup import components, semantic_dedup


def clustered(n: int, dim: int, n_topics: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((n_topics, dim))
    return topics[rng.integers(n_topics, size=n)] + spread * rng.standard_normal((n, dim))


@pytest.mark.parametrize("n,dim,topics,share,seed", [(60, 8, 5, 0.3, 0), (400, 16, 12, 0.2, 1), (1500, 32, 40, 0.1, 2)])
def test_kcenter_matches_brute_force(n, dim, topics, share, seed):
    x = clustered(n, dim, topics, 0.3, seed)
    tokens = np.random.default_rng(seed).integers(1, 60, n)
    budget = tokens.sum() * share
    for method in ("lazy", "dense"):
        picks = kcenter_greedy(x, tokens, budget, seed=seed, method=method, dtype=torch.float64)
        assert np.array_equal(picks, kcenter_brute_force(x, tokens, budget, seed=seed))
    # the token share: reached, and exceeded by at most the last pick
    assert tokens[picks].sum() >= budget > tokens[picks[:-1]].sum()
    assert len(set(picks.tolist())) == len(picks)


def test_kcenter_duplicates_and_ties_match_brute_force():
    """Exact copies tie at every step (the smaller row goes first). A share that takes every row
    ends on the copies, whose distances to their chosen twin are float rounding (sqrt of ~1e-16),
    so there only the set is compared."""
    base = clustered(80, 8, 6, 0.3, 11)
    x = np.concatenate([base, base[:30], base[5:15]])  # 40 exact copies of earlier rows
    tokens = np.random.default_rng(11).integers(1, 20, len(x))
    for share in (tokens.sum() * 0.3, tokens.sum() * 2):
        want = kcenter_brute_force(x, tokens, share, seed=4)
        for method in ("lazy", "dense"):
            got = kcenter_greedy(x, tokens, share, seed=4, method=method, dtype=torch.float64)
            assert np.array_equal(got[:80], want[:80]) and sorted(got[80:]) == sorted(want[80:])
    grid = np.eye(6)[np.arange(60) % 6]  # six directions, ten copies each: every distance is a tie
    assert np.array_equal(kcenter_greedy(grid, np.ones(60), 12, seed=1), kcenter_brute_force(grid, np.ones(60), 12, 1))


def test_kcenter_lazy_equals_dense_on_clustered_rows():
    x = clustered(5000, 48, 60, 0.5, 12)
    tokens = np.random.default_rng(12).integers(50, 500, len(x))
    share = tokens.sum() * 0.1
    lazy = kcenter_greedy(x, tokens, share, seed=3, method="lazy", dtype=torch.float64)
    assert len(lazy) > 400
    assert np.array_equal(lazy, kcenter_greedy(x, tokens, share, seed=3, method="dense", dtype=torch.float64))
    # float32 storage: the lazy path's float64 distances equal the dense pass's float64 ones on the same rows
    x32 = torch.nn.functional.normalize(torch.from_numpy(x).float(), dim=1)
    first = int(np.random.default_rng(3).integers(len(x)))
    want = dense_kcenter(x32.double(), tokens, share, first)
    # full refreshes every pick, every 7 picks, every 256 (the default), never: the same picks
    for block in (1, 7, 256, 10**9):
        assert np.array_equal(lazy_kcenter(x32, tokens, share, first, block=block), want)
    with pytest.raises(ValueError, match="method"):
        kcenter_greedy(x, tokens, share, method="cells")


def test_kcenter_seeds_edges_and_errors():
    x = clustered(200, 8, 4, 0.2, 3)
    tokens = np.full(200, 10)
    a = kcenter_greedy(x, tokens, 300, seed=5)
    assert np.array_equal(a, kcenter_greedy(x, tokens, 300, seed=5))
    assert not np.array_equal(a, kcenter_greedy(x, tokens, 300, seed=6))
    assert len(kcenter_greedy(x, tokens, 10**9, seed=0)) == 200  # a share the pool cannot fill: everything
    assert len(kcenter_greedy(x, tokens, 0, seed=0)) == 0
    x[7] = 0
    with pytest.raises(ValueError, match="rows \\[7\\]"):
        kcenter_greedy(x, tokens, 300)


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_deita_matches_brute_force(threshold):
    x = clustered(2500, 16, 30, 0.4, 4)  # more rows than one block, with many near rows
    tokens = np.random.default_rng(4).integers(1, 40, len(x))
    order = np.random.default_rng(5).permutation(len(x))
    for share in (tokens.sum() * 0.05, tokens.sum() * 2):
        chosen, rejected = deita_filter(x, tokens, share, order, threshold)
        want_chosen, want_rejected = deita_brute_force(x, tokens, share, order, threshold)
        assert np.array_equal(chosen, want_chosen) and np.array_equal(rejected, want_rejected)
        sims = (x[chosen] / np.linalg.norm(x[chosen], axis=1, keepdims=True)) @ (
            x[chosen] / np.linalg.norm(x[chosen], axis=1, keepdims=True)
        ).T
        assert (np.triu(sims, 1) < threshold).all()
    with pytest.raises(ValueError, match="order"):
        deita_filter(x, tokens, 10, order[:-1])


def test_exact_pairs_and_one_kept_member_per_cluster():
    x = clustered(700, 12, 20, 0.08, 6)
    want = exact_pairs_brute_force(x, 0.97)
    first, second = exact_pairs(x, 0.97)
    assert set(zip(first.tolist(), second.tolist())) == want and len(want) > 50
    rank = np.random.default_rng(7).permutation(len(x))  # a best-first order of the rows
    kept = semantic_dedup(x, 0.97, rank=rank)
    labels = connected_components(np.arange(len(x)), np.empty((len(x), 0)))  # singletons
    assert np.array_equal(labels, np.arange(len(x)))
    for cluster in set(kept.tolist()):
        members = np.flatnonzero(kept == cluster)
        assert kept[cluster] == cluster  # exactly one member keeps itself
        assert rank[cluster] == rank[members].min()  # and it is the best one
    # every exact pair ends in one cluster
    assert all(kept[i] == kept[j] for i, j in want)


def paraphrase_embeddings(n_pairs: int, dim: int, seed: int) -> np.ndarray:
    """Constructed, not from a model: each paraphrase pair shares a meaning vector (cosine ~0.99
    between the two), unrelated samples do not (cosine ~0). A real embedding model's job is to map
    paraphrases close together; this test checks what the dedup does with such embeddings."""
    rng = np.random.default_rng(seed)
    meaning = rng.standard_normal((n_pairs, dim))
    return np.repeat(meaning, 2, axis=0) + 0.1 * rng.standard_normal((2 * n_pairs, dim))


def test_semantic_dedup_catches_paraphrases_minhash_keeps():
    texts = [
        "How do I reverse a list in Python without changing the original list?",
        "What is the way to get a reversed copy of a Python list, leaving the input list untouched?",
        "Explain why the sky looks blue during the day.",
        "What makes the daytime sky appear blue to us?",
        "Give three tips for staying healthy.",
        "List a few pieces of advice for keeping fit and well.",
    ]
    b, r = lsh_params(0.7, 256)
    keys = band_keys(signatures(texts, "en", num_perm=256, seed=1), b, r)
    assert np.array_equal(connected_components(np.arange(6), keys), np.arange(6))  # MinHash links none
    kept = semantic_dedup(paraphrase_embeddings(3, 64, 8), 0.95)
    assert kept.tolist() == [0, 0, 2, 2, 4, 4]


def test_components_checks_rank():
    with pytest.raises(ValueError, match="permutation"):
        components(3, np.array([0]), np.array([1]), rank=[0, 0, 1])


def test_ann_recall_against_exact():
    x = clustered(6000, 48, 300, 0.05, 9).astype(np.float32)
    exact = set(zip(*[a.tolist() for a in exact_pairs(x, 0.95)]))
    first, second = ann_pairs(lambda a, b: x[a:b], len(x), 0.95, chunk_rows=2000, seed=0)
    found = set(zip(first.tolist(), second.tolist()))
    assert len(exact) > 1000
    assert found <= exact | {
        p for p in found if (x[p[0]] @ x[p[1]]) / np.linalg.norm(x[p[0]]) / np.linalg.norm(x[p[1]]) >= 0.949
    }
    assert len(found & exact) / len(exact) >= 0.9


def test_centering_removes_the_common_direction_of_anisotropic_embeddings():
    from udfs.selection.vectors import centered

    rng = np.random.default_rng(0)
    offset = rng.normal(size=64) * 10  # a causal LM's mean-pooled states share one large direction
    distinct = rng.normal(size=(40, 64))
    x = offset + distinct
    x[1] = offset + distinct[0] + rng.normal(size=64) * 0.05  # one planted near-duplicate of row 0
    raw = semantic_dedup(x, 0.95)
    assert (raw == np.arange(40)).sum() < 10  # raw cosine links distinct samples
    kept = semantic_dedup(centered(x), 0.95)
    assert kept[1] == 0 and (kept == np.arange(40)).sum() == 39  # only the planted pair is linked
    assert np.array_equal(centered(x[:1]), x[:1].astype(np.float32))  # one row: nothing to remove
    same = np.repeat(x[:1], 3, axis=0)
    assert np.isfinite(centered(same)).all() and (semantic_dedup(centered(same), 0.95) == 0).all()


def test_embedding_matrix_reads_an_arrow_column_with_its_gaps_and_rejects_ragged_rows():
    import pyarrow as pa

    from udfs.selection.arrow_vectors import embedding_matrix

    where, x = embedding_matrix(pa.chunked_array([pa.array([[1.0, 2.0], None]), pa.array([[3.0, 4.0]])]))
    assert where.tolist() == [0, 2] and x.dtype == np.float32 and x.tolist() == [[1, 2], [3, 4]]
    where, x = embedding_matrix(pa.array([None], pa.list_(pa.float32())))
    assert where.size == 0 and x.shape == (0, 0)
    with pytest.raises(ValueError, match="unequal length"):
        embedding_matrix(pa.array([[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]]))
