"""K-Center-Greedy (Gonzalez 1985; the "core-set" selection of Sener & Savarese, ICLR 2018) filling a
token share.

Distance: Euclidean between L2-normalised embeddings, sqrt(2 - 2 cos), so "farthest" is "least
cosine-similar". The first centre is a seeded random row; then, repeatedly, the row whose distance
to its nearest chosen row is largest is chosen (ties: the smallest row, as `argmax` takes the first),
until the chosen rows' tokens reach the share (the rule of macros/ratio_sample.sql: at most one
sample over) or every row is chosen.

Two exact paths give the same picks:
* `dense` (CUDA, and the reference): the brute force, one pass over all rows per pick updating a
  running minimum distance (O(n) per pick; ~25 ms per pick on 100k x 576 on 2 CPU cores);
* `lazy` (the CPU default): stale distances as upper bounds in a heap, refreshed in matrix products
  when a row reaches the top, and all at once every 256 picks (udfs/selection/kcenter_lazy.py).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from tqdm import tqdm

from udfs.selection.kcenter_lazy import lazy_kcenter
from udfs.selection.vectors import pick_device, share_reached, token_counts, unit_rows


def kcenter_greedy(
    embeddings,
    n_tokens,
    token_share: float,
    seed: int = 0,
    device: str | None = None,
    method: str | None = None,
    progress: bool = False,
    dtype: torch.dtype = torch.float32,
) -> np.ndarray:
    """Row indices (int64) in the order K-Center-Greedy chooses them, until their tokens reach
    `token_share`. Deterministic for a seed. `method`: "lazy" (CPU only) or "dense"; by default
    lazy on the CPU, dense on CUDA. float64 gives the brute-force picks even where two rows'
    distances differ in float32's last bits."""
    dev = pick_device(device)
    method = method or ("dense" if dev.type == "cuda" else "lazy")
    if method not in ("lazy", "dense") or (method == "lazy" and dev.type != "cpu"):
        raise ValueError(f"method must be 'dense', or 'lazy' on the CPU; got {method!r} on {dev.type}")
    x = unit_rows(embeddings, dev, dtype)
    n = x.shape[0]
    tokens = token_counts(n_tokens, n)
    if n == 0 or share_reached(0, token_share):
        return np.empty(0, dtype=np.int64)
    first = int(np.random.default_rng(seed).integers(n))
    bar = tqdm(total=int(min(token_share, tokens.sum())), desc="k-center tokens", disable=not progress)
    try:
        if method == "lazy":
            bar.update(int(tokens[first]))
            return lazy_kcenter(x, tokens, token_share, first, bar.update)
        return dense_kcenter(x, tokens, token_share, first, bar.update)
    finally:
        bar.close()


def dense_kcenter(x: torch.Tensor, tokens: np.ndarray, token_share: float, first: int, progress=None) -> np.ndarray:
    """The brute force on unit rows `x` (any device): after each pick, one pass lowers every row's
    distance to its nearest chosen row; the largest is the next pick."""
    n = x.shape[0]
    d = torch.full((n,), math.inf, device=x.device, dtype=x.dtype)
    position, taken, chosen = first, 0, []
    while True:
        chosen.append(position)
        taken += int(tokens[position])
        if progress is not None:
            progress(int(tokens[position]))
        if share_reached(taken, token_share) or len(chosen) == n:
            return np.asarray(chosen, dtype=np.int64)
        dist = torch.sqrt(torch.clamp(2.0 - 2.0 * (x @ x[position]), min=0.0))
        torch.minimum(d, dist, out=d)
        d[position] = -1.0  # chosen rows stay at -1: no distance is below it
        position = int(torch.argmax(d))
