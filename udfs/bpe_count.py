"""Exact token counts for GPT-2-style byte-level BPE tokenizers, in numba.

Hugging Face `tokenizers` counts ~12k texts/s on two cores here, and tiktoken (which we used
before) ~65k texts/s on one, holding the GIL between texts. This module does what `tokenizers`
does for a byte-level BPE `tokenizer.json`, step by step, without the GIL:

1. the optional Digits(individual_digits) pre-tokenizer isolates every number character;
2. the ByteLevel pre-tokenizer's GPT-2 regex splits each segment into pieces
   (`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`);
3. each piece's UTF-8 bytes go through BPE with the model's merges, lowest rank first and the
   leftmost on ties, as `tokenizers`' `Word::merge_all` does. The number of symbols left is the
   piece's token count.

A piece's count depends only on its bytes, so counts are cached per piece (one cache per thread:
DuckDB calls a UDF from several threads at once). Added tokens are not handled here: the caller
counts texts that hold one with `tokenizers` itself. `build_counter` returns None for
tokenizers this does not describe.
"""
from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
from numba import njit

from udfs.arrow_text import next_code_point, string_array, utf8_buffers

LETTER, NUMBER, SPACE, OTHER = 1, 2, 3, 4
APOSTROPHE, BLANK = 0x27, 0x20
# Unicode White_Space: what the byte-level regex's \s matches (Python's str.isspace differs).
WHITE_SPACE = (list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680] + list(range(0x2000, 0x200B))
               + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
MAX_CACHED_PIECE = 48  # bytes; longer pieces (long CJK runs) rarely repeat
CACHE_SLOTS = 1 << 19  # per thread: ~10 MB of slots plus the key bytes
CACHE_ARENA_BYTES = 8 << 20
EMPTY = -1


class BpeTables(NamedTuple):
    char_kind: np.ndarray    # uint8[0x110000]: LETTER, NUMBER, SPACE or OTHER
    byte_ids: np.ndarray     # int32[256]: token id of each byte's single-character token, or EMPTY
    merge_keys: np.ndarray   # int64[slots]: left_id << 32 | right_id, or EMPTY
    merge_ranks: np.ndarray  # int32[slots]
    merge_ids: np.ndarray    # int32[slots]: the merged token's id
    split_digits: bool


@lru_cache(maxsize=1)
def char_kinds() -> np.ndarray:
    kinds = np.array([unicodedata.category(chr(c))[0] for c in range(0x110000)])
    table = np.full(0x110000, OTHER, dtype=np.uint8)
    table[kinds == "L"] = LETTER
    table[kinds == "N"] = NUMBER
    table[WHITE_SPACE] = SPACE
    return table


def _byte_level_steps(pre_tokenizer: dict | None) -> bool | None:
    """True: Digits(individual) then ByteLevel; False: ByteLevel alone; None: neither."""
    def is_byte_level(step):
        return (step.get("type") == "ByteLevel" and step.get("use_regex", True)
                and not step.get("add_prefix_space"))

    if not pre_tokenizer:
        return None
    if is_byte_level(pre_tokenizer):
        return False
    steps = pre_tokenizer.get("pretokenizers", []) if pre_tokenizer.get("type") == "Sequence" else []
    if (len(steps) == 2 and steps[0].get("type") == "Digits" and steps[0].get("individual_digits")
            and is_byte_level(steps[1])):
        return True
    return None


@lru_cache(maxsize=1)
def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map used by byte-level BPE vocabularies."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    codes, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes)))


def _merge_table(vocab: dict[str, int], merges: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = [merge.split(" ") if isinstance(merge, str) else merge for merge in merges]
    pair_keys = np.array([(vocab[left] << 32) | vocab[right] for left, right in pairs], dtype=np.int64)
    merged_ids = np.array([vocab[left + right] for left, right in pairs], dtype=np.int32)
    slots = 1 << max(10, (2 * len(pairs)).bit_length())
    keys = np.full(slots, EMPTY, dtype=np.int64)
    ranks = np.zeros(slots, dtype=np.int32)
    ids = np.zeros(slots, dtype=np.int32)
    _fill_merges(keys, ranks, ids, pair_keys, merged_ids)
    return keys, ranks, ids


def build_tables(spec: dict) -> BpeTables | None:
    """Tables for a parsed tokenizer.json, or None when it is not plain byte-level BPE."""
    model = spec.get("model", {})
    split_digits = _byte_level_steps(spec.get("pre_tokenizer"))
    plain_bpe = (model.get("type") == "BPE" and not model.get("byte_fallback") and not model.get("dropout")
                 and not model.get("continuing_subword_prefix") and not model.get("end_of_word_suffix")
                 and not model.get("ignore_merges"))
    if not plain_bpe or spec.get("normalizer") or split_digits is None:
        return None
    vocab = model["vocab"]
    characters = byte_to_unicode()
    # a byte without a token is dropped from the word, as tokenizers does without unk/byte fallback
    byte_ids = np.array([vocab.get(characters[b], EMPTY) for b in range(256)], dtype=np.int32)
    keys, ranks, ids = _merge_table(vocab, model["merges"])
    return BpeTables(char_kinds(), byte_ids, keys, ranks, ids, split_digits)


@njit(cache=True)
def _merge_slot(keys, key):
    mask = len(keys) - 1
    slot = (np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    slot = np.int64(slot) & mask
    while keys[slot] != key and keys[slot] != EMPTY:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def _fill_merges(keys, ranks, ids, pair_keys, merged_ids):
    for rank in range(len(pair_keys)):  # like tokenizers' HashMap: a repeated pair keeps its last rank
        slot = _merge_slot(keys, pair_keys[rank])
        keys[slot] = pair_keys[rank]
        ranks[slot] = rank
        ids[slot] = merged_ids[rank]


# --------------------------------------------------------------------------------------------
# BPE on one piece
# --------------------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def _pair_rank(keys, ranks, left, right):
    slot = _merge_slot(keys, (np.int64(left) << 32) | np.int64(right))
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
def _bpe_count(data, start, end, tables_byte_ids, keys, ranks, ids, symbol, prev, nxt, heap):
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
        slot = _merge_slot(keys, (np.int64(symbol[pos]) << 32) | np.int64(symbol[right]))
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


# --------------------------------------------------------------------------------------------
# Piece cache (open addressing; the key bytes live in an arena)
# --------------------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def _fnv1a(data, start, end):
    h = np.uint64(0xCBF29CE484222325)
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * np.uint64(0x100000001B3)
    return h


@njit(cache=True)
def _cached_count(data, start, end, cache_hashes, cache_offsets, cache_counts, arena, fill):
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
def _remember(data, start, end, slot, count, cache_offsets, cache_counts, arena, fill):
    n = end - start
    offset = fill[0]
    arena[offset] = n
    arena[offset + 1:offset + 1 + n] = data[start:end]
    cache_offsets[slot] = offset
    cache_counts[slot] = count
    fill[0] += n + 1
    fill[1] += 1


# --------------------------------------------------------------------------------------------
# Pre-tokenization and the batch loop
# --------------------------------------------------------------------------------------------

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
def _count_batch(data, offsets, valid, char_kind, split_digits, byte_ids, keys, ranks, ids,
                 cache_hashes, cache_offsets, cache_counts, arena, fill, out):
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
                slot, count = _cached_count(data, start, end, cache_hashes, cache_offsets, cache_counts,
                                            arena, fill)
                if count < 0:
                    count = _bpe_count(data, start, end, byte_ids, keys, ranks, ids, symbol, prev, nxt, heap)
                    if slot >= 0:
                        _remember(data, start, end, slot, count, cache_offsets, cache_counts, arena, fill)
                total += count
                p = q
            segment_start = segment_end
        out[row] = total


class _PieceCache(threading.local):
    def __init__(self, slots: int, arena_bytes: int):
        self.hashes = np.zeros(slots, dtype=np.uint64)
        self.offsets = np.full(slots, EMPTY, dtype=np.int64)
        self.counts = np.zeros(slots, dtype=np.int32)
        self.arena = np.zeros(arena_bytes, dtype=np.uint8)
        self.fill = np.zeros(2, dtype=np.int64)  # arena bytes used, entries


class BpeCounter:
    """Counts tokens of Arrow string arrays; null in, null out."""

    def __init__(self, tables: BpeTables, cache_slots: int = CACHE_SLOTS,
                 cache_arena_bytes: int = CACHE_ARENA_BYTES, added_tokens: tuple[str, ...] = ()):
        if cache_slots & (cache_slots - 1):
            raise ValueError(f"cache_slots must be a power of two, not {cache_slots}")
        self.tables = tables
        self.added_tokens = added_tokens  # texts holding one are not this counter's to count
        self.cache_sizes = (cache_slots, cache_arena_bytes)
        self.cache = _PieceCache(*self.cache_sizes)  # one per thread

    def clear_cache(self) -> None:
        """Forget the cached piece counts (benchmarks time a cold start with this)."""
        self.cache = _PieceCache(*self.cache_sizes)

    def count(self, texts: pa.Array) -> pa.Array:
        texts = string_array(texts)
        data, offsets = utf8_buffers(texts)
        valid = texts.is_valid().to_numpy(zero_copy_only=False)
        out = np.zeros(len(texts), dtype=np.int64)
        t, c = self.tables, self.cache
        _count_batch(data, offsets, valid, t.char_kind, t.split_digits, t.byte_ids, t.merge_keys,
                     t.merge_ranks, t.merge_ids, c.hashes, c.offsets, c.counts, c.arena, c.fill, out)
        return pa.array(out, mask=~valid)


def build_counter(spec: dict, **cache_sizes) -> BpeCounter | None:
    """A counter for a parsed tokenizer.json, or None when it is not plain byte-level BPE."""
    tables = build_tables(spec)
    if tables is None:
        return None
    added = tuple(token["content"] for token in spec.get("added_tokens", []))
    return BpeCounter(tables, added_tokens=added, **cache_sizes)


def load_counter(tokenizer_json: Path) -> BpeCounter | None:
    """build_counter for a tokenizer.json file; its tables are cached on disk (building them takes
    ~0.5 s), keyed by the file's bytes, this code and Python's Unicode version."""
    from sftmart.paths import cache_dir, load_or_build_arrays

    raw = tokenizer_json.read_bytes()
    key = hashlib.sha256(raw + Path(__file__).read_bytes() + unicodedata.unidata_version.encode())

    def build() -> dict:
        spec = json.loads(raw)
        tables = build_tables(spec)
        added = np.array([token["content"] for token in spec.get("added_tokens", [])], dtype=np.str_)
        usable = {"usable": np.array(tables is not None), "added_tokens": added}
        return usable if tables is None else {**usable, **tables._asdict()}

    stored = load_or_build_arrays(cache_dir() / "bpe_count" / f"tables-{key.hexdigest()[:16]}.npz", build)
    if not stored["usable"]:
        return None
    arrays = {name: stored[name] for name in BpeTables._fields}
    tables = BpeTables(**{**arrays, "split_digits": bool(arrays["split_digits"])})
    return BpeCounter(tables, added_tokens=tuple(str(t) for t in stored["added_tokens"]))
