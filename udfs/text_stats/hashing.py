"""64-bit hashes of words and n-grams of code points, for the repetition ratios and the English
flagged-word lookup (all arithmetic is modulo 2**64).

Words are hashed with FNV-1a over their code points and finished with splitmix64's mixer; n-grams
with a rolling polynomial hash. Two different n-grams (or words) compare equal only on a hash
collision, odds about n**2 / 2**64 per text.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
NGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def mix64(h):
    """splitmix64's finaliser: spreads every input bit over the whole hash."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@njit(cache=True)
def hash_span(cps, start, end):
    """Hash of the word cps[start:end]: FNV-1a over its code points, mixed."""
    h = FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(cps[i])) * FNV_PRIME
    return mix64(h)


@njit(cache=True)
def hash_lowered(cps, start, end, lowercase):
    """hash_span of the lowercased code points cps[start:end]."""
    h = FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(lowercase[cps[i]])) * FNV_PRIME
    return mix64(h)


@njit(cache=True)
def ngram_hashes(values, n, out):
    """Rolling polynomial hash of every n-gram of values into out; returns how many."""
    count = len(values) - n + 1
    if count <= 0:
        return 0
    top = np.uint64(1)
    for _ in range(n - 1):
        top = top * NGRAM_BASE
    h = np.uint64(0)
    for j in range(n):
        h = h * NGRAM_BASE + np.uint64(values[j])
    out[0] = h
    for i in range(1, count):
        h = (h - np.uint64(values[i - 1]) * top) * NGRAM_BASE + np.uint64(values[i + n - 1])
        out[i] = h
    return count
