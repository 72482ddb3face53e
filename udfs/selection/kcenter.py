"""K-Center-Greedy (Gonzalez 1985; the "core-set" selection of Sener & Savarese, ICLR 2018) filling a
token share.

Distance: Euclidean between L2-normalised embeddings, sqrt(2 - 2 cos), so "farthest" is "least
cosine-similar" and the triangle inequality holds. The first centre is a seeded random row; then,
repeatedly, the row whose distance to its nearest chosen row is largest is chosen (ties: the first
in the partition's order), until the chosen rows' tokens reach the share (the rule of
macros/ratio_sample.sql: at most one sample over) or every row is chosen.

A running min-distance vector makes it O(n * k) distance evaluations at most. Most are skipped,
exactly: rows are grouped into cells (udfs/selection/cells.py), stored cell by cell, and no row of
cell g comes closer to a new centre c than |g - c| - radius_g (triangle inequality); when that bound
is not below the largest d in the cell, the whole cell is left alone. The other cells are updated
as contiguous slices (a matrix-vector product each, no gathers). The answer is the brute-force one (a
margin of `_SLACK` absorbs float32 rounding in the bounds); only the time depends on the data.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from tqdm import tqdm

from udfs.selection.cells import partition
from udfs.selection.vectors import pick_device, share_reached, token_counts, unit_rows

_SLACK = 2e-3  # float32 sqrt(2 - 2 cos) is off by < 5e-4 near 0; bounds get this much benefit of doubt


def default_cells(n: int) -> int:
    """Cells of ~64 rows (at most 2048 cells): small cells have small radii, so more of them are
    skipped, while the distances to all cell centres stay a small part of one step."""
    return max(1, min(2048, n // 64))


def kcenter_greedy(
    embeddings,
    n_tokens,
    token_share: float,
    seed: int = 0,
    device: str | None = None,
    n_cells: int | None = None,
    progress: bool = False,
    dtype: torch.dtype = torch.float32,
) -> np.ndarray:
    """Row indices (int64) in the order K-Center-Greedy chooses them, until their tokens reach
    `token_share`. Deterministic for a seed (and device); float64 gives the brute-force picks even
    where two rows' distances differ in float32's last bits."""
    dev = pick_device(device)
    x = unit_rows(embeddings, dev, dtype)
    n = x.shape[0]
    tokens = token_counts(n_tokens, n)
    if n == 0 or share_reached(0, token_share):
        return np.empty(0, dtype=np.int64)
    cells = partition(x, n_cells or default_cells(n), seed)
    xs = x[cells.order]  # rows in cell order: a cell is one contiguous slice
    order = cells.order.cpu().numpy()
    position_of = np.empty(n, dtype=np.int64)
    position_of[order] = np.arange(n)
    sorted_tokens = tokens[order]
    starts, sizes = cells.starts.cpu().numpy(), cells.sizes.cpu().numpy()
    d = torch.full((n,), math.inf, device=dev, dtype=dtype)  # distance to the nearest chosen row; -1 once chosen
    cell_max = torch.full_like(cells.radius, math.inf)  # largest d per cell
    rng = np.random.default_rng(seed)
    position = int(position_of[rng.integers(n)])
    chosen: list[int] = []
    taken = 0
    bar = tqdm(total=int(min(token_share, tokens.sum())), desc="k-center tokens", disable=not progress)
    while True:
        chosen.append(position)
        taken += int(sorted_tokens[position])
        bar.update(int(sorted_tokens[position]))
        if share_reached(taken, token_share) or len(chosen) == n:
            break
        centre = xs[position]
        d[position] = -1.0
        to_cells = torch.linalg.vector_norm(cells.centres - centre, dim=1)
        active = torch.nonzero(to_cells - cells.radius < cell_max + _SLACK)[:, 0].cpu().numpy()
        cell_max[active] = -math.inf
        for first, last in _runs(active):  # contiguous rows: slices, no gathers
            lo, hi = starts[first], starts[last] + sizes[last]
            dist = torch.sqrt(torch.clamp(2.0 - 2.0 * (xs[lo:hi] @ centre), min=0.0))
            torch.minimum(d[lo:hi], dist, out=d[lo:hi])
            cell_max.scatter_reduce_(0, cells.cell[lo:hi], d[lo:hi], reduce="amax", include_self=True)
        best_cell = int(torch.argmax(cell_max))
        position = starts[best_cell] + int(torch.argmax(d[starts[best_cell] : starts[best_cell] + sizes[best_cell]]))
    bar.close()
    return order[np.asarray(chosen, dtype=np.int64)]


def _runs(cells: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive ids in the ascending array `cells`."""
    if cells.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(cells) != 1)
    return list(zip(cells[np.r_[0, breaks + 1]].tolist(), cells[np.r_[breaks, cells.size - 1]].tolist()))
