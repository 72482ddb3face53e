"""Locality-sensitive hashing of MinHash signatures: the band split and each band's key.

``lsh_params`` reproduces ``datasketch.lsh._optimal_param(threshold, num_perm, 0.5, 0.5)``;
``band_keys`` hashes each band's r values to 64 bits, with the band index stored in the top bits so
that keys of different bands can never be equal. Two rows are near-duplicate candidates when they
share a key (udfs/minhash/components.py links them).
"""

from __future__ import annotations

from functools import lru_cache

import numba as nb
import numpy as np


def _integrals(f, lo: float, hi: float, degree: int) -> np.ndarray:
    """Integrals over [lo, hi] of f(s) (an array of polynomials of at most this degree in s, one per
    row): Gauss-Legendre with degree // 2 + 1 nodes is exact for them (scipy's quad in datasketch)."""
    nodes, weights = np.polynomial.legendre.leggauss(degree // 2 + 1)
    half = (hi - lo) / 2
    return half * (f(half * nodes + (hi + lo) / 2) @ weights)


@lru_cache(maxsize=128)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands b, rows r) minimising 0.5*FP + 0.5*FN, == datasketch.lsh._optimal_param."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0.0, 1.0]")
    if num_perm < 2:
        raise ValueError("num_perm must be >= 2")
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64)
    bands, rows = pairs[:, :1], pairs[:, 1:]

    def collision(s):  # probability that two docs of Jaccard s share a band, per (b, r) row
        return 1 - (1 - s[None, :] ** rows) ** bands

    false_positive = _integrals(collision, 0.0, threshold, num_perm)
    false_negative = _integrals(lambda s: 1 - collision(s), threshold, 1.0, num_perm)
    best = int(np.argmin(0.5 * false_positive + 0.5 * false_negative))  # first minimum, as datasketch
    return int(pairs[best, 0]), int(pairs[best, 1])


_K1 = np.uint64(0x87C37B91114253D5)
_K2 = np.uint64(0x4CF5AD432745937F)
_K3 = np.uint64(0x52DCE729)


@nb.njit(inline="always")
def _fmix64(h):
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(cache=True)
def _band_keys_kernel(sigs, b, r, bits, out):
    rows = sigs.shape[0]
    low_mask = (np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(bits)) if bits > 0 else np.uint64(0xFFFFFFFFFFFFFFFF)
    for i in range(rows):
        for j in range(b):
            h = _fmix64(np.uint64(j + 1) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(r))
            for t in range(j * r, (j + 1) * r):
                k = np.uint64(sigs[i, t]) * _K1
                k = (k << np.uint64(31)) | (k >> np.uint64(33))
                h ^= k * _K2
                h = ((h << np.uint64(27)) | (h >> np.uint64(37))) * np.uint64(5) + _K3
            h = _fmix64(h ^ np.uint64(r))
            if bits > 0:
                out[i, j] = (np.uint64(j) << np.uint64(64 - bits)) | (h & low_mask)
            else:
                out[i, j] = h


def band_keys(sigs: np.ndarray, b: int, r: int) -> np.ndarray:
    """(rows, b) uint64 keys: band j hashes sigs[:, j*r:(j+1)*r] to 64 - ceil(log2 b) bits and
    stores j in the top ceil(log2 b) bits, so keys of different bands never collide."""
    sigs = np.asarray(sigs)
    if sigs.ndim != 2:
        raise ValueError("sigs must be 2-D (rows, num_perm)")
    if b < 1 or r < 1 or b * r > sigs.shape[1]:
        raise ValueError(f"b * r = {b} * {r} exceeds num_perm {sigs.shape[1]}")
    if sigs.dtype != np.uint32:
        if sigs.size and (sigs.min() < 0 or sigs.max() > 0xFFFFFFFF):
            raise ValueError("signature values must fit in 32 bits")
        sigs = sigs.astype(np.uint32)
    bits = (b - 1).bit_length()
    out = np.empty((sigs.shape[0], b), dtype=np.uint64)
    _band_keys_kernel(np.ascontiguousarray(sigs), int(b), int(r), int(bits), out)
    return out
