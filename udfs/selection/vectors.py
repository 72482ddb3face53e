"""Shared helpers for selection over embeddings: the device, unit-length rows and the token share.

Every algorithm in this package works on L2-normalised embeddings, where cosine similarity is a dot
product and the Euclidean distance is sqrt(2 - 2 cos): the two orders agree, and the Euclidean one
obeys the triangle inequality that the K-Center-Greedy pruning relies on.
"""

from __future__ import annotations

import numpy as np
import torch


def pick_device(device: str | None = None) -> torch.device:
    """`device` when given, else CUDA when present, else the CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def unit_rows(embeddings, device: torch.device | None = None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(n, d) tensor (`dtype`, float32 by default) of the rows scaled to unit length on `device`.

    A row of zeros (or one holding NaN or inf) has no direction: it is a clear error, never a
    silent match."""
    x = embeddings if torch.is_tensor(embeddings) else torch.from_numpy(np.asarray(embeddings))
    x = x.to(device=device or x.device, dtype=dtype)
    if x.ndim != 2:
        raise ValueError(f"embeddings must be a (rows, dim) matrix, got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        return x
    norms = torch.linalg.vector_norm(x, dim=1, keepdim=True)
    bad = ~torch.isfinite(norms[:, 0]) | (norms[:, 0] == 0)
    if bool(bad.any()):
        rows = torch.nonzero(bad)[:5, 0].tolist()
        raise ValueError(f"embeddings without a direction (zero, NaN or inf) at rows {rows}")
    return x / norms


def centered(embeddings) -> np.ndarray:
    """The rows minus their mean (float32), for cosine similarity between one language's samples.

    A causal LM's mean-pooled hidden states are anisotropic: on the bundled sample every pair of
    SmolLM2-135M embeddings has cosine 0.82-0.98 (English) and 0.98-1.0 (Chinese), so any threshold
    links nearly everything. Removing the common mean (the first step of Mu & Viswanath's
    "All-but-the-top", ICLR 2018) spreads them out: median cosine -0.05, 99th percentile 0.65-0.76.
    With fewer than two rows there is no common direction to remove; a row equal to the mean keeps
    its own direction (it would have none)."""
    from udfs.selection.target_similarity import centered_on

    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] < 2:
        return x
    return centered_on(x, x.mean(axis=0))


def token_counts(n_tokens, n_rows: int) -> np.ndarray:
    """(n,) int64 token counts, checked: one per row, none negative."""
    tokens = np.asarray(n_tokens, dtype=np.int64).reshape(-1)
    if tokens.shape[0] != n_rows:
        raise ValueError(f"{tokens.shape[0]} token counts for {n_rows} rows")
    if tokens.size and tokens.min() < 0:
        raise ValueError("token counts must not be negative")
    return tokens


def share_reached(taken_tokens: int, share: float) -> bool:
    """The stopping rule of macros/ratio_sample.sql: a sample is taken while the tokens taken before
    it are below the share, so the share is exceeded by at most one sample."""
    return taken_tokens >= share
