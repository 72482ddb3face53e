"""Exact K-Center-Greedy on the CPU by lazy upper bounds, refreshed in matrix products.

A row's distance to its nearest chosen row only decreases as rows are chosen, so a distance
computed against the first u chosen rows is an upper bound for later (the lazy evaluation of a
monotone objective, Minoux 1978, as in lazy greedy for submodular maximisation). Rows sit in a max-heap
keyed by that bound (ties: the smaller row first, as `argmax` takes the first); when the top row
is refreshed through the latest chosen row, its exact distance is >= every other row's bound, so it
is the brute-force pick. Otherwise the top rows (a batch) are refreshed against the rows chosen since
their last refresh and pushed back.

Lazy bounds alone still need ~63k of the brute force's 100k row-centre distances per pick on 100k
generated rows, and the thin (64 x new) products they come in are memory-bound (~20 GFLOP/s on a
core that does ~150 on square blocks). So every `_BLOCK` picks all rows are refreshed at once in
(16k x 256) products on every core (~200 GFLOP/s on two), and the heap is rebuilt; between two
full refreshes a batch needs at most the rows chosen since the last one. That computes every
distance (n per pick) but at ten times the rate: 100k x 576 at a 10% share in ~6 s, against 21 s
for lazy bounds alone (bench/RESULTS.md).

Triangle-inequality cell pruning of those distances was measured and dropped: on the benchmark's
rows (cosine ~0.81 to their topic's mean) a row is ~0.59 from its k-means cell centre, more than
the covering radius (~0.85-1.3) leaves room for, and the cells pruned 1 of ~8,100 distances per
pick (20k rows). A batch's products are cut into a few pieces (`_segments`) trading wasted
products against calls.

The product is only a filter (the slack): chosen row c can lower row i's distance d_i only if
2 - 2 x_i.c < d_i^2. A float32 product is off from the exact dot by at most gamma_n |x_i| |c| in
any summation order (Higham, Accuracy and Stability of Numerical Algorithms, 2002, eq. 3.5:
gamma_n = n u / (1 - n u), u = 2^-24, n = dim; u = 2^-53 for float64 rows), so every c whose
product gives less than d_i^2 + 2 gamma_n (1 + delta)^2 (delta: the largest deviation of a stored
row's length from 1; + 1e-12 for the float64 rounding of d_i^2) has its distance recomputed with a
float64-accumulated dot product, and only such values enter d. The picks are thus the brute
force's over the stored rows in float64; ~0.1% of the products need the recompute.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import torch

from udfs.selection.row_heap import heap_of, sift_down, sift_up

_BATCH = 64  # heap rows refreshed together: one (64 x new) matrix product
_BLOCK = 256  # chosen rows between two full refreshes (every row against them, in big products)
_CHUNK = 16_384  # rows per product in a full refresh (a 16 MB float32 block against _BLOCK rows)
_GROW = 1024  # chosen-row buffer grows by this many rows (doubling) when full
_CALL = 1024  # one product call's overhead (~10 us) in row-centre dot products at ~65 GFLOP/s FMA


@nb.njit(cache=True, fastmath={"reassoc", "contract"})
def _distance(a, b):
    """sqrt(2 - 2 a.b), the products accumulated in float64 (the same loop for every pair)."""
    s = 0.0
    for t in range(a.shape[0]):
        s += np.float64(a[t]) * np.float64(b[t])
    return math.sqrt(max(2.0 - 2.0 * s, 0.0))


@nb.njit(cache=True, parallel=True)
def _length_deviation(x):
    """The largest | |x_i| - 1 | over the rows, the lengths accumulated in float64."""
    out = np.empty(x.shape[0])
    for i in nb.prange(x.shape[0]):
        s = 0.0
        for t in range(x.shape[1]):
            s += np.float64(x[i, t]) * np.float64(x[i, t])
        out[i] = abs(math.sqrt(s) - 1.0)
    return out.max() if x.shape[0] else 0.0


@nb.njit(cache=True)
def _start(x, first, d, key, row):
    """Distances to the first chosen row, and the heap of every other row."""
    n = x.shape[0]
    for i in range(n):
        d[i] = _distance(x[i], x[first])
    d[first] = -1.0
    return heap_of(d, key, row)


@nb.njit(cache=True)
def _advance(state, key, row, upto, d, x, centres, chosen, tokens, share, batch):
    """Choose while the heap's top is refreshed; then pop up to `batch` rows into `batch` and return
    their count (0: done, -1: the chosen-row buffer is full)."""
    size, k, taken = state[0], state[1], state[2]
    count = 0
    while taken < share and size > 0:
        i = row[0]
        if upto[i] < k:
            while count < batch.shape[0] and size > 0:
                batch[count] = row[0]
                count += 1
                size -= 1
                key[0], row[0] = key[size], row[size]
                sift_down(key, row, size, 0)
            break
        if k == centres.shape[0]:
            count = -1
            break
        chosen[k] = i
        centres[k, :] = x[i]
        taken += tokens[i]
        d[i] = -1.0
        k += 1
        size -= 1
        key[0], row[0] = key[size], row[size]
        sift_down(key, row, size, 0)
    state[0], state[1], state[2] = size, k, taken
    return count


@nb.njit(cache=True)
def _segments(start, k, call):
    """Centre ranges for batch rows sorted by `start` (their first new chosen row): row j needs
    [start[j], k). Cuts [start[0], k) at some starts so that each piece is computed for the rows
    whose start lies before its end; the cuts minimise dot products + `call` per piece (O(b^2))."""
    b = start.shape[0]
    edge = np.empty(b + 1, dtype=np.int64)
    edge[:b] = start
    edge[b] = k
    best = np.full(b + 1, np.inf)
    back = np.zeros(b + 1, dtype=np.int64)
    best[0] = 0.0
    for end in range(1, b + 1):
        if end < b and edge[end] == edge[end - 1]:
            continue  # a piece may only end where the next row's start is larger
        for a in range(end):
            if best[a] < np.inf and (a == 0 or edge[a] > edge[a - 1]):
                cost = best[a] + end * (edge[end] - edge[a]) + call
                if cost < best[end]:
                    best[end], back[end] = cost, a
    cuts = [b]
    while cuts[-1] > 0:
        cuts.append(back[cuts[-1]])
    return np.array(cuts[::-1], dtype=np.int64)


@nb.njit(cache=True)
def _refresh(state, key, row, upto, d, x, centres, batch, products, lo, margin):
    """Lower each batch row's distance by the chosen rows [upto, k) (float32 products as a filter,
    float64 distances for the survivors), then push the rows back."""
    size, k = state[0], state[1]
    exact = 0
    for j in range(batch.shape[0]):
        i = batch[j]
        di = d[i]
        for c in range(upto[i], k):
            if 2.0 - 2.0 * np.float64(products[j, c - lo]) < di * di + margin:
                exact += 1
                e = _distance(x[i], centres[c])
                if e < di:
                    di = e
        d[i] = di
        upto[i] = k
        key[size], row[size] = di, i
        sift_up(key, row, size)
        size += 1
    state[0] = size
    return exact


@nb.njit(cache=True, parallel=True)
def _lower_chunk(d, upto, x, centres, products, start, lo, k, margin):
    """`_refresh` for every unchosen row of [start, start + len(products)) against its chosen rows
    [upto, k), on every core; the heap is rebuilt afterwards."""
    for j in nb.prange(products.shape[0]):
        i = start + j
        di = d[i]
        if di < 0.0:
            continue  # a chosen row
        for c in range(upto[i], k):
            if 2.0 - 2.0 * np.float64(products[j, c - lo]) < di * di + margin:
                e = _distance(x[i], centres[c])
                if e < di:
                    di = e
        d[i] = di
        upto[i] = k


def _refresh_all(state, key, row, upto, d, xs, x, centres, lo, margin, threads):
    """Lower every row by the chosen rows since the last full refresh, `lo`, in (_CHUNK x new)
    float32 products on `threads` threads (square enough blocks run at the machine's FLOP rate,
    where the heap's thin batches are memory-bound), then rebuild the heap."""
    k = int(state[1])
    torch.set_num_threads(threads)
    try:
        for start in range(0, xs.shape[0], _CHUNK):
            products = (x[start : start + _CHUNK] @ centres[lo:k].T).numpy()
            _lower_chunk(d, upto, xs, centres.numpy(), products, start, lo, k, margin)
    finally:
        torch.set_num_threads(1)
    state[0] = heap_of(d, key, row)


def lazy_kcenter(
    x: torch.Tensor, tokens: np.ndarray, token_share: float, first: int, progress=None, block: int = _BLOCK
) -> np.ndarray:
    """Rows of the unit (n, dim) CPU tensor `x` (float32 or float64) in K-Center-Greedy order from
    `first` until their tokens reach `token_share`; `progress(tokens)` is called as rows are chosen.
    Every `block` chosen rows, all rows are refreshed at once (`_refresh_all`)."""
    n, dim = x.shape
    xs = x.contiguous().numpy()
    unit = np.finfo(xs.dtype).eps / 2
    gamma = dim * unit / (1 - dim * unit)
    delta = float(_length_deviation(xs))
    margin = 2 * gamma * (1 + delta) ** 2 + 1e-12
    d = np.empty(n)
    key, row = np.empty(n), np.empty(n, dtype=np.int64)
    size = _start(xs, first, d, key, row)
    upto = np.ones(n, dtype=np.int64)
    chosen = np.empty(n, dtype=np.int64)
    chosen[0] = first
    tokens = np.ascontiguousarray(tokens, dtype=np.int64)
    state = np.array([size, 1, tokens[first]], dtype=np.int64)
    centres = torch.empty((min(n, _GROW), dim), dtype=x.dtype)
    centres[0] = x[first]
    batch_buffer = np.empty(_BATCH, dtype=np.int64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small products: one thread each is ~5x faster than two contending
    refreshed = 1  # every row's distance counts the chosen rows before this one
    try:
        while True:
            shown = state[1]
            count = _advance(state, key, row, upto, d, xs, centres.numpy(), chosen, tokens, token_share, batch_buffer)
            if progress is not None and state[1] > shown:
                progress(int(tokens[chosen[shown : state[1]]].sum()))
            if count == 0:
                break
            if count < 0:
                grown = torch.empty((min(n, 2 * centres.shape[0]), dim), dtype=x.dtype)
                grown[: centres.shape[0]] = centres
                centres = grown
                continue
            if state[1] - refreshed >= block:
                _refresh_all(state, key, row, upto, d, xs, x, centres, refreshed, margin, threads)
                refreshed = int(state[1])
                continue  # the popped batch is back in the rebuilt heap
            batch = batch_buffer[:count][np.argsort(upto[batch_buffer[:count]], kind="stable")]
            start, k = upto[batch], int(state[1])
            lo = int(start[0])
            rows = x[torch.from_numpy(batch)]
            products = torch.empty((count, k - lo), dtype=x.dtype)
            cuts = _segments(start, k, _CALL)
            for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
                first_c, end_c = int(start[a]), (k if b == count else int(start[b]))
                products[:b, first_c - lo : end_c - lo] = rows[:b] @ centres[first_c:end_c].T
            products = products.numpy()
            _refresh(state, key, row, upto, d, xs, centres.numpy(), batch, products, lo, margin)
    finally:
        torch.set_num_threads(threads)
    return chosen[: state[1]].copy()
