"""Pairs of rows with cosine similarity at or above a threshold, approximately, in bounded memory:
a faiss inverted-file index (IVF) whose vectors are stored as float16 (2 bytes a dimension: 1.15 GB
for 1M rows of dimension 576) and searched with `range_search`.

Rows arrive through `read(start, stop)` in chunks of `chunk_rows`, so the caller never holds them
all; each chunk `read` returns is the reader's to give away (it is scaled in place). The cells are
centred on `n_lists` rows drawn at random (seeded), not on k-means centroids (training those costs
more than the search at this size): the cells only decide which rows are compared. A pair is found
when one row's `nprobe` nearest cells include the other's cell; bench/bench_semantic_dedup.py
measures the recall against exact search. The coarse quantizer is an HNSW graph over the cell centres, so assigning a row costs
~log(n_lists) distance evaluations rather than n_lists.

numpy and faiss only (no torch), to keep the peak memory down.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from tqdm import tqdm

Reader = Callable[[int, int], np.ndarray]


def _unit(x: np.ndarray) -> np.ndarray:
    """The rows scaled to length 1, in place when `read` handed over a writable float32 array (a
    chunk of 50k rows of dimension 576 is 115 MB: no second copy)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if not x.flags.writeable:
        x = x.copy()
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise ValueError("embeddings without a direction (zero, NaN or inf)")
    x /= norms
    return x


def default_lists(n: int) -> int:
    """~4 sqrt(n) cells (1M rows: 4,000 cells of ~250 rows)."""
    return int(max(1, min(65536, 4 * np.sqrt(n))))


def ann_pairs(
    read: Reader,
    n: int,
    threshold: float,
    n_lists: int | None = None,
    nprobe: int = 8,
    chunk_rows: int = 50_000,
    seed: int = 0,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) int64 arrays, i < j, of row pairs found with cosine similarity >= threshold."""
    import faiss

    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    first = _unit(read(0, min(n, chunk_rows)))
    dim = first.shape[1]
    m = min(n_lists or default_lists(n), n)
    centres = _centres(read, n, m, chunk_rows, seed)
    quantizer = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    quantizer.add(centres)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, m, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    index.train(centres[: min(m, 1000)])  # fp16 needs no training data; the centres are set
    index.nprobe = nprobe
    starts = range(0, n, chunk_rows)
    del first
    # Each row's cell first, so every inverted list is reserved at its final size: appended chunk by
    # chunk, a list's vector grows by doubling and holds up to twice its codes (at 1M rows ~0.4 GB
    # of the peak); then the rows are added with the cells already known.
    cells = []
    for start in tqdm(starts, desc="ann cells", disable=not progress):
        _, nearest = quantizer.search(_unit(read(start, min(n, start + chunk_rows))), 1)
        cells.append(np.ascontiguousarray(nearest[:, 0], dtype=np.int64))
    lists = faiss.downcast_InvertedLists(index.invlists)
    for cell, size in enumerate(np.bincount(np.concatenate(cells), minlength=m).tolist()):
        lists.resize(cell, size)  # capacity for every row of the cell ...
        lists.resize(cell, 0)  # ... kept while the list is emptied again
    for start, cell in zip(tqdm(starts, desc="ann index", disable=not progress), cells):
        block = _unit(read(start, min(n, start + chunk_rows)))
        ids = np.arange(start, start + block.shape[0], dtype=np.int64)
        index.add_core(block.shape[0], faiss.swig_ptr(block), faiss.swig_ptr(ids), faiss.swig_ptr(cell))
    del cells
    firsts, seconds = [], []
    for start in tqdm(starts, desc="ann search", disable=not progress):
        block = _unit(read(start, min(n, start + chunk_rows)))
        lims, sims, ids = index.range_search(block, float(np.nextafter(np.float32(threshold), -1)))
        rows = np.repeat(np.arange(start, start + block.shape[0], dtype=np.int64), np.diff(lims).astype(np.int64))
        keep = (ids > rows) & (sims >= threshold)
        firsts.append(rows[keep])
        seconds.append(ids[keep].astype(np.int64))
    return np.concatenate(firsts), np.concatenate(seconds)


def _centres(read: Reader, n: int, m: int, chunk_rows: int, seed: int) -> np.ndarray:
    """m cell centres: seeded random rows (read chunk by chunk)."""
    rng = np.random.default_rng(seed)
    picks = np.sort(rng.choice(n, size=m, replace=False))
    sample = []
    for start in range(0, n, chunk_rows):
        inside = picks[(picks >= start) & (picks < start + chunk_rows)]
        if inside.size:
            sample.append(_unit(read(start, min(n, start + chunk_rows)))[inside - start])
    return np.concatenate(sample)
