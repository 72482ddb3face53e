"""Semantic dedup: rows whose embeddings have cosine similarity >= threshold are linked, and each
connected component (scipy, as udfs/minhash/components.py) keeps one member, its best.

"Best" is the caller's: `rank` gives each row's place in a best-first order (the dbt model ranks
by the candidate pool's quality score, highest first, then the lowest base perplexity, then the
smallest sample_id, the rule the MinHash clusters keep too); the default is the row order.

Pairs come from exact block search (pairs_exact.py) up to `EXACT_MAX_ROWS` rows, beyond that from
a faiss IVF index in bounded memory (pairs_ann.py). The threshold (the `semantic_dedup_threshold`
var, 0.95 by default) is 1 - eps in the terms of SemDeDup (Abbas et al., 2023), which calls pairs
within cosine distance eps duplicates and tunes eps per data set.
"""

from __future__ import annotations

import numpy as np

EXACT_MAX_ROWS = 50_000  # exact search is O(n^2 d): 50k x 50k x 576 takes ~1 min on 2 cores


def components(n: int, first: np.ndarray, second: np.ndarray, rank=None) -> np.ndarray:
    """Per row, the row its component keeps (int64): the member with the smallest `rank`."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rank = np.arange(n, dtype=np.int64) if rank is None else np.asarray(rank, dtype=np.int64)
    if rank.shape != (n,) or (n and not np.array_equal(np.sort(rank), np.arange(n))):
        raise ValueError("rank must order the rows: a permutation of 0..n-1")
    if n == 0:
        return np.empty(0, np.int64)
    graph = coo_matrix((np.ones(len(first), np.int8), (first, second)), shape=(n, n))
    n_components, component = connected_components(graph, directed=True, connection="weak")
    best_rank = np.full(n_components, np.iinfo(np.int64).max)
    np.minimum.at(best_rank, component, rank)
    row_of_rank = np.argsort(rank)
    return row_of_rank[best_rank[component]]


def semantic_dedup(
    embeddings,
    threshold: float,
    rank=None,
    exact_max_rows: int = EXACT_MAX_ROWS,
    device: str | None = None,
    progress: bool = False,
    **ann_options,
) -> np.ndarray:
    """Per row of `embeddings` (an (n, d) array), the row its cluster keeps; a row is kept when it
    is its own. Exact search up to `exact_max_rows` rows, the faiss index beyond."""
    x = np.asarray(embeddings, dtype=np.float32)
    n = x.shape[0]
    if n <= exact_max_rows:
        from udfs.selection.pairs_exact import exact_pairs

        first, second = exact_pairs(x, threshold, device=device, progress=progress)
    else:
        from udfs.selection.pairs_ann import ann_pairs

        # copies: ann_pairs scales each chunk it reads in place
        first, second = ann_pairs(lambda a, b: x[a:b].copy(), n, threshold, progress=progress, **ann_options)
    return components(n, first, second, rank)
