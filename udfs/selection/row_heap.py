"""A max-heap of rows keyed by a float, in two parallel arrays (`key`, `row`), for numba kernels:
K-Center-Greedy's lazy bounds (kcenter_lazy.py). Ties go to the smaller row first, as `argmax`
takes the first, so the heap's top is the brute force's pick whatever the heap's layout."""

from __future__ import annotations

import numba as nb


@nb.njit(inline="always")
def before(ka, ra, kb, rb):
    """Whether (key ka, row ra) sits above (kb, rb)."""
    return ka > kb or (ka == kb and ra < rb)


@nb.njit(cache=True)
def sift_down(key, row, size, pos):
    k, r = key[pos], row[pos]
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and before(key[child + 1], row[child + 1], key[child], row[child]):
            child += 1
        if not before(key[child], row[child], k, r):
            break
        key[pos], row[pos] = key[child], row[child]
        pos = child
    key[pos], row[pos] = k, r


@nb.njit(cache=True)
def sift_up(key, row, pos):
    k, r = key[pos], row[pos]
    while pos > 0:
        parent = (pos - 1) // 2
        if not before(k, r, key[parent], row[parent]):
            break
        key[pos], row[pos] = key[parent], row[parent]
        pos = parent
    key[pos], row[pos] = k, r


@nb.njit(cache=True)
def heap_of(d, key, row):
    """The heap of every row whose distance `d` is not negative (chosen rows hold -1), keyed by it;
    returns its size."""
    size = 0
    for i in range(d.shape[0]):
        if d[i] >= 0.0:
            key[size], row[size] = d[i], i
            size += 1
    for p in range(size // 2 - 1, -1, -1):
        sift_down(key, row, size, p)
    return size
