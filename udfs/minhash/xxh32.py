"""xxHash32 in numba (== `xxhash.xxh32_intdigest`), for the shingle hashes inside the signature kernel."""

from __future__ import annotations

import numba as nb
import numpy as np

_M32 = np.uint64(0xFFFFFFFF)
_P1 = np.uint64(0x9E3779B1)
_P2 = np.uint64(0x85EBCA77)
_P3 = np.uint64(0xC2B2AE3D)
_P4 = np.uint64(0x27D4EB2F)
_P5 = np.uint64(0x165667B1)


@nb.njit(inline="always")
def _rotl32(x, r):
    return ((x << np.uint64(r)) | (x >> np.uint64(32 - r))) & _M32


@nb.njit(inline="always")
def _read32(buf, i):
    return (
        np.uint64(buf[i])
        | (np.uint64(buf[i + 1]) << np.uint64(8))
        | (np.uint64(buf[i + 2]) << np.uint64(16))
        | (np.uint64(buf[i + 3]) << np.uint64(24))
    )


@nb.njit(inline="always")
def _round32(v, lane):
    v = (v + lane * _P2) & _M32
    v = _rotl32(v, 13)
    return (v * _P1) & _M32


@nb.njit(cache=True)
def xxh32_slice(buf, start, end, seed):
    """xxHash32 of buf[start:end] (uint8 array), returned as uint64 < 2**32."""
    length = end - start
    p = start
    seed = np.uint64(seed) & _M32
    if length >= 16:
        v1 = (seed + _P1 + _P2) & _M32
        v2 = (seed + _P2) & _M32
        v3 = seed
        v4 = (seed - _P1) & _M32
        limit = end - 16
        while p <= limit:
            v1 = _round32(v1, _read32(buf, p))
            v2 = _round32(v2, _read32(buf, p + 4))
            v3 = _round32(v3, _read32(buf, p + 8))
            v4 = _round32(v4, _read32(buf, p + 12))
            p += 16
        h = (_rotl32(v1, 1) + _rotl32(v2, 7) + _rotl32(v3, 12) + _rotl32(v4, 18)) & _M32
    else:
        h = (seed + _P5) & _M32
    h = (h + np.uint64(length)) & _M32
    while p + 4 <= end:
        h = (h + _read32(buf, p) * _P3) & _M32
        h = (_rotl32(h, 17) * _P4) & _M32
        p += 4
    while p < end:
        h = (h + np.uint64(buf[p]) * _P5) & _M32
        h = (_rotl32(h, 11) * _P1) & _M32
        p += 1
    h ^= h >> np.uint64(15)
    h = (h * _P2) & _M32
    h ^= h >> np.uint64(13)
    h = (h * _P3) & _M32
    h ^= h >> np.uint64(16)
    return h


def xxh32(data: bytes, seed: int = 0) -> int:
    """xxHash32 computed by the numba kernel (== xxhash.xxh32_intdigest)."""
    buf = np.frombuffer(data, dtype=np.uint8) if len(data) else np.zeros(0, np.uint8)
    return int(xxh32_slice(buf, 0, len(data), seed))
