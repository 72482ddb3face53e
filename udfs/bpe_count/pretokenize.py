"""The byte-level pre-tokenizer and the batch loop, in numba.

Each row's UTF-8 is decoded to code points with their character kind (udfs/bpe_count/tables.py);
with Digits(individual_digits) every number character is a segment of its own; each segment is
split into pieces by the GPT-2 regex
(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`), and each piece is
counted from the piece cache or by BPE (udfs/bpe_count/merge.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from udfs.arrow_text import next_code_point
from udfs.bpe_count.merge import bpe_count
from udfs.bpe_count.piece_cache import cached_count, remember

LETTER, NUMBER, SPACE, OTHER = 1, 2, 3, 4
APOSTROPHE, BLANK = 0x27, 0x20


@njit(cache=True, inline="always")
def _contraction_length(cps, i, end):
    """Length of 's 't 're 've 'm 'll 'd starting at cps[i] (an apostrophe), else 0."""
    if i + 1 >= end:
        return 0
    c1 = cps[i + 1]
    if c1 == 0x73 or c1 == 0x74 or c1 == 0x6D or c1 == 0x64:  # s t m d
        return 2
    if i + 2 < end:
        c2 = cps[i + 2]
        if (c1 == 0x72 and c2 == 0x65) or (c1 == 0x76 and c2 == 0x65) or (c1 == 0x6C and c2 == 0x6C):
            return 3  # re ve ll
    return 0


@njit(cache=True, inline="always")
def _run_end(kinds, i, end, kind):
    while i < end and kinds[i] == kind:
        i += 1
    return i


@njit(cache=True, inline="always")
def _piece_end(cps, kinds, i, end):
    """End of the GPT-2 regex match starting at code point i of the segment [i, end)."""
    kind = kinds[i]
    if cps[i] == APOSTROPHE:
        length = _contraction_length(cps, i, end)
        if length:
            return i + length
    if cps[i] == BLANK and i + 1 < end and kinds[i + 1] != SPACE:
        return _run_end(kinds, i + 1, end, kinds[i + 1])  # ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
    if kind != SPACE:
        return _run_end(kinds, i, end, kind)
    run_end = _run_end(kinds, i, end, SPACE)
    if run_end == end or run_end - i == 1:
        return run_end  # '\s+(?!\S)' up to the end, or a lone '\s+'
    return run_end - 1  # '\s+(?!\S)': the last space goes with what follows


@njit(cache=True, nogil=True)
def count_batch(
    data,
    offsets,
    valid,
    char_kind,
    split_digits,
    byte_ids,
    keys,
    ranks,
    ids,
    cache_hashes,
    cache_offsets,
    cache_counts,
    arena,
    fill,
    out,
):
    longest = 1
    for row in range(len(offsets) - 1):
        longest = max(longest, offsets[row + 1] - offsets[row])
    cps = np.empty(longest + 1, dtype=np.uint32)
    kinds = np.empty(longest + 1, dtype=np.uint8)
    byte_at = np.empty(longest + 1, dtype=np.int64)
    symbol = np.empty(longest, dtype=np.int32)
    prev = np.empty(longest, dtype=np.int32)
    nxt = np.empty(longest, dtype=np.int32)
    heap = np.empty(3 * longest + 1, dtype=np.int64)
    for row in range(len(offsets) - 1):
        if not valid[row]:
            continue
        n = 0
        i = offsets[row]
        while i < offsets[row + 1]:
            byte_at[n] = i
            cps[n], i = next_code_point(data, i)
            kinds[n] = char_kind[cps[n]]
            n += 1
        byte_at[n] = i
        total = 0
        segment_start = 0
        while segment_start < n:
            segment_end = segment_start + 1
            if split_digits and kinds[segment_start] == NUMBER:
                pass  # an isolated number character is its own segment
            elif split_digits:
                while segment_end < n and kinds[segment_end] != NUMBER:
                    segment_end += 1
            else:
                segment_end = n
            p = segment_start
            while p < segment_end:
                q = _piece_end(cps, kinds, p, segment_end)
                start, end = byte_at[p], byte_at[q]
                slot, count = cached_count(data, start, end, cache_hashes, cache_offsets, cache_counts, arena, fill)
                if count < 0:
                    count = bpe_count(data, start, end, byte_ids, keys, ranks, ids, symbol, prev, nxt, heap)
                    if slot >= 0:
                        remember(data, start, end, slot, count, cache_offsets, cache_counts, arena, fill)
                total += count
                p = q
            segment_start = segment_end
        out[row] = total
