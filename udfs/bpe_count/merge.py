"""Byte-pair merges on one pre-tokenized piece, in numba: what `tokenizers`' `Word::merge_all` does.

The merges live in an open-addressing table keyed by `left_id << 32 | right_id` (udfs/bpe_count/
tables.py fills it with `fill_merges`). A piece's bytes start as single-byte tokens; the pair of
lowest rank (the leftmost on ties) is merged first, through a binary heap of `rank << 32 | position`
items. The number of symbols left is the piece's token count.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = -1


@njit(cache=True)
def merge_slot(keys, key):
    mask = len(keys) - 1
    slot = (np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    slot = np.int64(slot) & mask
    while keys[slot] != key and keys[slot] != EMPTY:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def fill_merges(keys, ranks, ids, pair_keys, merged_ids):
    for rank in range(len(pair_keys)):  # like tokenizers' HashMap: a repeated pair keeps its last rank
        slot = merge_slot(keys, pair_keys[rank])
        keys[slot] = pair_keys[rank]
        ranks[slot] = rank
        ids[slot] = merged_ids[rank]


@njit(cache=True, inline="always")
def _pair_rank(keys, ranks, left, right):
    slot = merge_slot(keys, (np.int64(left) << 32) | np.int64(right))
    return ranks[slot] if keys[slot] != EMPTY else -1


@njit(cache=True, inline="always")
def _heap_push(heap, size, item):
    i = size
    heap[i] = item
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent] <= heap[i]:
            break
        heap[parent], heap[i] = heap[i], heap[parent]
        i = parent
    return size + 1


@njit(cache=True, inline="always")
def _heap_pop(heap, size):
    top = heap[0]
    size -= 1
    heap[0] = heap[size]
    i = 0
    while True:
        smallest, left = i, 2 * i + 1
        if left < size and heap[left] < heap[smallest]:
            smallest = left
        if left + 1 < size and heap[left + 1] < heap[smallest]:
            smallest = left + 1
        if smallest == i:
            return top, size
        heap[smallest], heap[i] = heap[i], heap[smallest]
        i = smallest


@njit(cache=True)
def bpe_count(data, start, end, tables_byte_ids, keys, ranks, ids, symbol, prev, nxt, heap):
    """Tokens of data[start:end] after BPE; queue items are rank << 32 | position (rank, then leftmost)."""
    n = 0
    for i in range(start, end):
        token = tables_byte_ids[data[i]]
        if token != EMPTY:
            symbol[n] = token
            prev[n] = n - 1
            nxt[n] = n + 1
            n += 1
    if n <= 1:
        return n
    nxt[n - 1] = -1
    size = 0
    for i in range(n - 1):
        rank = _pair_rank(keys, ranks, symbol[i], symbol[i + 1])
        if rank >= 0:
            size = _heap_push(heap, size, (np.int64(rank) << 32) | i)
    count = n
    while size > 0:
        item, size = _heap_pop(heap, size)
        rank, pos = np.int32(item >> 32), np.int32(item & 0xFFFFFFFF)
        right = nxt[pos]
        if symbol[pos] < 0 or right < 0:
            continue  # merged away, or no right neighbour any more
        slot = merge_slot(keys, (np.int64(symbol[pos]) << 32) | np.int64(symbol[right]))
        if keys[slot] == EMPTY or ranks[slot] != rank:
            continue  # stale: the pair at pos changed since this item was queued
        symbol[pos] = ids[slot]
        symbol[right] = -1
        count -= 1
        nxt[pos] = nxt[right]
        if nxt[pos] >= 0:
            prev[nxt[pos]] = pos
        if prev[pos] >= 0:
            left_rank = _pair_rank(keys, ranks, symbol[prev[pos]], symbol[pos])
            if left_rank >= 0:
                size = _heap_push(heap, size, (np.int64(left_rank) << 32) | prev[pos])
        if nxt[pos] >= 0:
            right_rank = _pair_rank(keys, ranks, symbol[pos], symbol[nxt[pos]])
            if right_rank >= 0:
                size = _heap_push(heap, size, (np.int64(right_rank) << 32) | pos)
    return count
