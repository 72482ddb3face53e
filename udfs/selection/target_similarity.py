"""Embedding similarity toward target examples (RDS+-style, Ivison et al. 2025): each candidate's
mean cosine to its k nearest target examples. Pure numpy over float32 matrices, no torch (a node with
the model layer off must not pay its import).

Both sides are centred on the same mean, the candidate pool's (one language's): the common direction
of a causal LM's mean-pooled states (udfs/selection/vectors.py `centered` says why it must go) is the
encoder's, not the task's, so the target keeps its own offset from the pool and is compared by it.
Candidates are centred and scored in blocks of `batch_rows` rows, so the memory it adds to the
pool's own matrix is one block of cosines (batch_rows x n_targets floats) whatever the pool's size.
"""

from __future__ import annotations

import numpy as np

BATCH_ROWS = 8192  # candidates per block: 8192 x 1,000 targets = 33 MB of cosines


def centered_on(embeddings, mean) -> np.ndarray:
    """The rows minus `mean` (float32). A row equal to the mean keeps its own direction (it would
    have none), as in `centered`."""
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"embeddings must be a (rows, dim) matrix, got shape {x.shape}")
    out = x - np.asarray(mean, dtype=np.float32).reshape(1, -1)
    flat = np.linalg.norm(out, axis=1) <= 1e-6 * np.maximum(np.linalg.norm(x, axis=1), 1e-30)
    out[flat] = x[flat]
    return out


def unit(x: np.ndarray, side: str) -> np.ndarray:
    """Rows scaled to unit length (float32); a row without a direction (zero, NaN, inf) is an error."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    bad = ~np.isfinite(norms[:, 0]) | (norms[:, 0] == 0)
    if bad.any():
        raise ValueError(f"{side} embeddings without a direction (zero, NaN or inf) at rows {np.flatnonzero(bad)[:5]}")
    return (x / norms).astype(np.float32, copy=False)


def knn_mean_cosine(candidates, targets, k: int, center=None, batch_rows: int = BATCH_ROWS) -> np.ndarray:
    """(n,) float64: each candidate row's mean cosine similarity to its min(k, n_targets) most
    similar target rows. With `center` (a (dim,) vector), both sides are first centred on it
    (`centered_on`), the candidates block by block, so no centred copy of the pool is made."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    c = np.asarray(candidates, dtype=np.float32)
    t = np.asarray(targets, dtype=np.float32)
    if c.ndim != 2 or t.ndim != 2 or (len(c) and len(t) and c.shape[1] != t.shape[1]):
        raise ValueError(f"candidates {c.shape} and targets {t.shape} must be (rows, dim) of one dim")
    if len(t) == 0:
        raise ValueError("no target embeddings to compare with")
    if center is not None:
        t = centered_on(t, center)
    tt = np.ascontiguousarray(unit(t, "target").T)
    k = min(k, len(t))
    out = np.empty(len(c), dtype=np.float64)
    for lo in range(0, len(c), batch_rows):
        block = c[lo : lo + batch_rows]
        block = unit(block if center is None else centered_on(block, center), "candidate")
        cos = block @ tt  # (rows, n_targets)
        top = cos if k == cos.shape[1] else np.partition(cos, cos.shape[1] - k, axis=1)[:, -k:]
        out[lo : lo + len(block)] = top.mean(axis=1, dtype=np.float64)
    return out
