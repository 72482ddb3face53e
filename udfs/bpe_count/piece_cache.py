"""The token count of each piece seen before, per thread: an open-addressing table of FNV-1a hashes
whose key bytes live in an arena. A piece's count depends only on its bytes, and most pieces
(common words with their leading space) repeat; DuckDB calls a UDF from several threads at once,
hence one cache per thread. A full cache stops caching but still counts.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit

from udfs.bpe_count.merge import EMPTY

MAX_CACHED_PIECE = 48  # bytes; longer pieces (long CJK runs) rarely repeat
CACHE_SLOTS = 1 << 19  # per thread: ~10 MB of slots plus the key bytes
CACHE_ARENA_BYTES = 8 << 20


@njit(cache=True, inline="always")
def _fnv1a(data, start, end):
    h = np.uint64(0xCBF29CE484222325)
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * np.uint64(0x100000001B3)
    return h


@njit(cache=True)
def cached_count(data, start, end, cache_hashes, cache_offsets, cache_counts, arena, fill):
    """(slot, count) for the piece; count -1 when it is not cached (slot then is free or -1)."""
    n = end - start
    if n > MAX_CACHED_PIECE:
        return -1, -1
    h = _fnv1a(data, start, end)
    mask = len(cache_hashes) - 1
    slot = np.int64(h >> np.uint64(32)) & mask
    while cache_offsets[slot] != EMPTY:
        if cache_hashes[slot] == h:
            offset = cache_offsets[slot]
            same = arena[offset] == n
            i = 0
            while same and i < n:
                same = arena[offset + 1 + i] == data[start + i]
                i += 1
            if same:
                return slot, cache_counts[slot]
        slot = (slot + 1) & mask
    if fill[1] * 2 >= len(cache_hashes) or fill[0] + n + 1 > len(arena):
        return -1, -1  # full: count without caching
    cache_hashes[slot] = h
    return slot, -1


@njit(cache=True)
def remember(data, start, end, slot, count, cache_offsets, cache_counts, arena, fill):
    n = end - start
    offset = fill[0]
    arena[offset] = n
    arena[offset + 1 : offset + 1 + n] = data[start:end]
    cache_offsets[slot] = offset
    cache_counts[slot] = count
    fill[0] += n + 1
    fill[1] += 1


class PieceCache(threading.local):
    def __init__(self, slots: int, arena_bytes: int):
        self.hashes = np.zeros(slots, dtype=np.uint64)
        self.offsets = np.full(slots, EMPTY, dtype=np.int64)
        self.counts = np.zeros(slots, dtype=np.int32)
        self.arena = np.zeros(arena_bytes, dtype=np.uint8)
        self.fill = np.zeros(2, dtype=np.int64)  # arena bytes used, entries
