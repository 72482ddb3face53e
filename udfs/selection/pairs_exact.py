"""Every pair of rows whose cosine similarity is at least a threshold, by exact search in blocks.

Unit rows are compared a block of rows against a block of columns at a time (one matrix product
each, torch on CUDA when present), so memory stays at `_ROWS x _COLS` similarities however many rows
there are; the time is O(n^2 d), which is why semantic_dedup.py switches to pairs_ann.py beyond
`EXACT_MAX_ROWS`.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from udfs.selection.vectors import pick_device, unit_rows

_ROWS = 2048
_COLS = 16384  # 2048 x 16384 x 4 bytes = 128 MiB of similarities at a time


def exact_pairs(
    embeddings, threshold: float, device: str | None = None, progress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) int64 arrays, i < j, of the row pairs with cosine similarity >= threshold."""
    x = unit_rows(embeddings, pick_device(device))
    n = x.shape[0]
    firsts, seconds = [], []
    for a in tqdm(range(0, n, _ROWS), desc="exact pairs", disable=not progress):
        rows = x[a : a + _ROWS]
        for b in range(a, n, _COLS):
            sims = rows @ x[b : b + _COLS].T
            i, j = torch.nonzero(sims >= threshold, as_tuple=True)
            i, j = i + a, j + b
            keep = i < j
            firsts.append(i[keep].cpu().numpy())
            seconds.append(j[keep].cpu().numpy())
    if not firsts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)
