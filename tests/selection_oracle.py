"""Test oracles for udfs/selection: the plain one-row-at-a-time loops, in float64 numpy (slow).

kcenter_greedy and deita_filter must choose exactly what these choose; the seeded start row of
K-Center-Greedy is the same draw (numpy's default_rng(seed).integers(n)).
"""

from __future__ import annotations

import numpy as np


def _unit(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def kcenter_brute_force(embeddings, n_tokens, token_share: float, seed: int = 0) -> np.ndarray:
    x = _unit(embeddings)
    tokens = np.asarray(n_tokens, dtype=np.int64)
    n = x.shape[0]
    if n == 0 or token_share <= 0:
        return np.empty(0, dtype=np.int64)
    d = np.full(n, np.inf)
    position = int(np.random.default_rng(seed).integers(n))
    chosen, taken = [], 0
    while True:
        chosen.append(position)
        taken += int(tokens[position])
        if taken >= token_share or len(chosen) == n:
            return np.asarray(chosen, dtype=np.int64)
        d = np.minimum(d, np.sqrt(np.clip(2.0 - 2.0 * (x @ x[position]), 0.0, None)))
        d[chosen] = -1.0
        position = int(np.argmax(d))


def deita_brute_force(embeddings, n_tokens, token_share: float, order, threshold: float):
    x = _unit(embeddings)
    chosen, rejected, taken = [], [], 0
    for row in order:
        if taken >= token_share:
            break
        if chosen and (x[chosen] @ x[row]).max() >= threshold:
            rejected.append(row)
            continue
        chosen.append(row)
        taken += int(n_tokens[row])
    return np.asarray(chosen, dtype=np.int64), np.asarray(rejected, dtype=np.int64)


def exact_pairs_brute_force(embeddings, threshold: float) -> set[tuple[int, int]]:
    x = _unit(embeddings)
    sims = x @ x.T
    i, j = np.nonzero(np.triu(sims >= threshold, 1))
    return set(zip(i.tolist(), j.tolist()))
