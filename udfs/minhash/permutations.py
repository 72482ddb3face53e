"""MinHash permutations exactly as `datasketch.MinHash._init_permutations` draws them, and the numba
kernels that fold one shingle hash into a signature under either scheme.

``scheme`` follows datasketch >= 2.0:
  * ``'affine32'`` (default; what ``datasketch.MinHash(...)`` builds in datasketch 2.x):
    ``h' = fmix32(h)``, ``phv = (a * h' + b) mod 2**32`` with odd ``a``.
  * ``'legacy'`` (the only scheme of datasketch < 2.0, still available as
    ``MinHash(..., scheme='legacy')``): ``phv = ((h * a + b) mod 2**64 mod (2**61 - 1)) & (2**32 - 1)``.
"""

from __future__ import annotations

from functools import lru_cache

import numba as nb
import numpy as np

MERSENNE_PRIME = np.uint64((1 << 61) - 1)
SCHEMES = ("affine32", "legacy")
SCHEME_CODE = {"affine32": 0, "legacy": 1}
_M32 = np.uint64(0xFFFFFFFF)


@lru_cache(maxsize=64)
def permutations(scheme: str, num_perm: int, seed: int):
    """(a32, b32, a64, b64) read-only arrays; the unused pair of the scheme is empty."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        ab = np.array(
            [
                (gen.randint(1, MERSENNE_PRIME, dtype=np.uint64), gen.randint(0, MERSENNE_PRIME, dtype=np.uint64))
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        ).T
        a64, b64 = np.ascontiguousarray(ab[0]), np.ascontiguousarray(ab[1])
        a32 = b32 = np.empty(0, np.uint32)
    elif scheme == "affine32":
        a32 = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b32 = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        a64 = b64 = np.empty(0, np.uint64)
    else:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    for arr in (a32, b32, a64, b64):
        arr.setflags(write=False)
    return a32, b32, a64, b64


@nb.njit(inline="always")
def _fmix32(h):
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _M32
    h ^= h >> np.uint64(16)
    return h


@nb.njit(inline="always")
def _permute_affine32(h, a32, b32, sig):
    # a32, b32: uint32 arrays; sig: uint32 row. (a * fmix32(h) + b) mod 2**32.
    fh = np.uint32(_fmix32(np.uint64(h)))
    for k in range(sig.shape[0]):
        v = np.uint32(a32[k] * fh + b32[k])
        if v < sig[k]:
            sig[k] = v


@nb.njit(inline="always")
def _permute_legacy(h, a64, b64, sig):
    # ((h * a + b) mod 2**64) mod (2**61 - 1), truncated to 32 bits; identical to numpy's
    # uint64 `(hv * a + b) % _mersenne_prime & _max_hash` (the product wraps before the %).
    p = np.uint64(0x1FFFFFFFFFFFFFFF)
    hh = np.uint64(h)
    for k in range(sig.shape[0]):
        x = hh * a64[k] + b64[k]
        x = (x & p) + (x >> np.uint64(61))  # 2**61 == 1 (mod p); x < 2**61 + 7 now
        if x >= p:
            x -= p
        v = np.uint32(x & np.uint64(0xFFFFFFFF))
        if v < sig[k]:
            sig[k] = v


@nb.njit(inline="always")
def apply_unique(hashes, m, scheme, a32, b32, a64, b64, sig):
    """Sort hashes[:m] in place and fold each distinct value into sig."""
    if m == 0:
        return
    hs = hashes[:m]
    hs.sort()
    prev = hs[0]
    if scheme == 0:
        _permute_affine32(prev, a32, b32, sig)
    else:
        _permute_legacy(prev, a64, b64, sig)
    for t in range(1, m):
        h = hs[t]
        if h != prev:
            prev = h
            if scheme == 0:
                _permute_affine32(h, a32, b32, sig)
            else:
                _permute_legacy(h, a64, b64, sig)
