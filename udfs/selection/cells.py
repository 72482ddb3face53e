"""A coarse partition of unit-length embeddings into cells (seeded k-means, a few Lloyd steps).

The cells only make exact searches faster (K-Center-Greedy skips whole cells by the triangle
inequality); a poorer partition costs time, never a different answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

_CHUNK_ROWS = 8192  # rows per distance block: 8192 x 2048 cells x 4 bytes = 64 MiB at most


@dataclass
class Cells:
    """Rows sorted by cell: `order[k]` is the original row at sorted position k."""

    centres: torch.Tensor  # (m, d)
    order: torch.Tensor  # (n,) int64, original row of each sorted position
    cell: torch.Tensor  # (n,) int64, cell of each sorted position
    offset: torch.Tensor  # (n,) float32, distance of each sorted position to its cell's centre
    starts: torch.Tensor  # (m,) int64, first sorted position of each cell
    sizes: torch.Tensor  # (m,) int64
    radius: torch.Tensor  # (m,) float32, largest offset in each cell (0 for an empty cell)


def nearest_centre(x: torch.Tensor, centres: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(cell, distance) of each unit row's nearest centre (L2), in bounded-memory blocks."""
    sq = (centres * centres).sum(1)
    cells, dists = [], []
    for start in range(0, x.shape[0], _CHUNK_ROWS):
        block = x[start : start + _CHUNK_ROWS]
        score = block @ centres.T - 0.5 * sq  # argmax of this = argmin of |x - c|^2 (|x| = 1)
        best, cell = score.max(dim=1)
        cells.append(cell)
        dists.append(torch.sqrt(torch.clamp(1.0 - 2.0 * best, min=0.0)))
    return torch.cat(cells), torch.cat(dists)


def partition(x: torch.Tensor, n_cells: int, seed: int, lloyd_steps: int = 1) -> Cells:
    """Seeded k-means cells of the unit rows `x` (centres start at `n_cells` distinct rows)."""
    n = x.shape[0]
    m = max(1, min(n_cells, n))
    generator = torch.Generator().manual_seed(int(seed))
    centres = x[torch.randperm(n, generator=generator)[:m].to(x.device)].clone()
    cell, offset = nearest_centre(x, centres)
    for _ in range(lloyd_steps):
        sums = torch.zeros_like(centres).index_add_(0, cell, x)
        counts = torch.bincount(cell, minlength=m).to(x.dtype).unsqueeze(1)
        centres = torch.where(counts > 0, sums / counts.clamp(min=1), centres)
        cell, offset = nearest_centre(x, centres)
    order = torch.argsort(cell, stable=True)
    cell, offset = cell[order], offset[order]
    sizes = torch.bincount(cell, minlength=m)
    starts = torch.cumsum(sizes, 0) - sizes
    radius = torch.zeros(m, dtype=x.dtype, device=x.device).scatter_reduce_(
        0, cell, offset, reduce="amax", include_self=True
    )
    return Cells(centres, order, cell, offset, starts, sizes, radius)
