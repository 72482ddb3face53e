"""The numba kernel behind udfs/dsir.py: lowercase, split and bucket every unigram and bigram of
a batch of texts in one pass, with the data-selection package's hash (sha256 % NUM_BUCKETS).

SHA-256 (FIPS 180-4, udfs/sha256_numba.py) runs in numba once per distinct n-gram: each distinct token gets an id
and its bucket, each distinct pair of ids its bigram's bucket, in open-addressing tables that live
across calls (natural text repeats its n-grams). Tokens are told apart by a 64-bit hash of their
bytes (FNV-1a, splitmix64): two distinct tokens share one with odds about n**2 / 2**65, ~3e-8 for
the 2**20 distinct tokens the tables hold at most. The tables grow as they fill and are emptied past
MAX_TOKENS / MAX_PAIRS (one text longer than that gets tables its size), so memory stays bounded:
at most ~150 MB per calling thread.

The character classes and the lowercase come from the same sources as the Arrow/Python path
they replace (bench/dsir_python_baseline.py `tokens`): a word character is RE2's `_WORD_RUN` class, a space is
what Arrow's utf8_split_whitespace splits on, a Han character RE2's \\p{Han}, the lowercase
Python's str.lower one code point at a time (the texts whose lowercase needs context or more
than one code point, U+0130 and U+03A3, are lowered by Python before the kernel).
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from udfs.arrow_text import next_code_point
from udfs.sha256_numba import sha256_mod
from udfs.text_stats.hashing import mix64

WORD, SPACE, HAN = 1, 2, 4  # bits of the class table
MAX_CP = 0x110000
CONTEXT_LOWER = "\u0130\u03a3"  # Python lowercases these by context or into two code points
MAX_TOKENS = 1 << 20  # distinct tokens kept (tables of at most 64 MB; ids fit 22 bits)
MAX_PAIRS = 1 << 22  # distinct bigrams kept (a table of at most 64 MB)
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True, nogil=True, inline="always")
def _put_utf8(cp, out, n):
    """arrow_text.encode_utf8, inlined (a call per code point costs more than the encoding)."""
    if cp < 0x80:
        out[n] = cp
        return n + 1
    if cp < 0x800:
        out[n], out[n + 1] = 0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)
        return n + 2
    if cp < 0x10000:
        out[n], out[n + 1], out[n + 2] = 0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)
        return n + 3
    out[n], out[n + 1] = 0xF0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3F)
    out[n + 2], out[n + 3] = 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)
    return n + 4


@njit(cache=True, nogil=True, inline="always")
def _token(buf, n, state, tok_slots, tok_meta, arena, modulus, w):
    """(id << 14 | bucket) of the token buf[:n], added and hashed if new. Tokens are told apart by
    a 64-bit hash of their bytes (FNV-1a, splitmix64)."""
    h = FNV_OFFSET
    for i in range(n):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    h = np.int64(mix64(h) | np.uint64(1))  # never 0, the empty slot
    mask = len(tok_slots) // 2 - 1
    slot = int(h >> 1) & mask
    while tok_slots[2 * slot] != 0:
        if tok_slots[2 * slot] == h:
            return tok_slots[2 * slot + 1]
        slot = (slot + 1) & mask
    tid, start = state[0], state[1]
    arena[start : start + n] = buf[:n]
    tok_meta[2 * tid], tok_meta[2 * tid + 1] = start, n
    entry = (tid << 14) | np.int64(sha256_mod(buf, n, modulus, w))
    tok_slots[2 * slot], tok_slots[2 * slot + 1] = h, entry
    state[0], state[1] = tid + 1, start + n
    return entry


@njit(cache=True, nogil=True, inline="always")
def _pair_bucket(a, b, state, pair_slots, tok_meta, arena, modulus, w, scratch):
    """Bucket of the bigram of token ids a, b (hashed if new)."""
    key = (a << 22) | b
    mask = len(pair_slots) - 1
    slot = int(mix64(np.uint64(key)) >> np.uint64(1)) & mask
    while pair_slots[slot] >= 0:
        if pair_slots[slot] >> 14 == key:
            return pair_slots[slot] & 0x3FFF
        slot = (slot + 1) & mask
    sa, na, sb, nb = tok_meta[2 * a], tok_meta[2 * a + 1], tok_meta[2 * b], tok_meta[2 * b + 1]
    scratch[:na] = arena[sa : sa + na]
    scratch[na] = 32  # ' '
    scratch[na + 1 : na + 1 + nb] = arena[sb : sb + nb]
    found = np.int64(sha256_mod(scratch, na + 1 + nb, modulus, w))
    pair_slots[slot] = (key << 14) | found
    state[2] += 1
    return found


@njit(cache=True, nogil=True)
def bucket_batch(data, offsets, valid, lowered, char_class, lowercase, modulus, cache, r0, out, out_offsets):
    """Rows r0.. : each valid row's unigram buckets then bigram buckets, appended to out from
    state[3]; row r's end at out_offsets[r + 1]. lowered[r]: the row is lowercased already.
    cache: (state, tok_slots, tok_meta, arena, pair_slots). Returns the row it stopped at: the
    number of rows, or a row the tables have no room for (the caller grows them and resumes)."""
    state, tok_slots, tok_meta, arena, pair_slots = cache
    w = np.zeros(64, dtype=np.uint64)
    longest = 1
    for r in range(r0, len(offsets) - 1):
        longest = max(longest, offsets[r + 1] - offsets[r])
    buf = np.empty(2 * longest + 8, dtype=np.uint8)  # a lowercase code point takes at most 3/2 the bytes
    scratch = np.empty(4 * longest + 8, dtype=np.uint8)
    ids = np.empty(longest + 1, dtype=np.int64)
    for r in range(r0, len(offsets) - 1):
        n_out = state[3]
        out_offsets[r] = n_out
        if not valid[r]:
            continue
        size = offsets[r + 1] - offsets[r]  # at most this many new tokens and pairs
        if (
            state[0] + size > len(tok_meta) // 2
            or 4 * (state[0] + size) > len(tok_slots)
            or 2 * (state[2] + size) > len(pair_slots)
            or state[1] + 2 * size > len(arena)
        ):
            return r
        n_ids, n_buf, kind = 0, 0, 0  # kind: 0 none, 1 word run, 2 other run
        i, end = offsets[r], offsets[r + 1]
        while i <= end:
            if i < end:
                cp, i = next_code_point(data, i)
                if not lowered[r]:
                    cp = lowercase[cp]
                cls = char_class[cp]
            else:
                i, cls = end + 1, SPACE  # the end of the text closes the last token
            new_kind = 0 if cls & (SPACE | HAN) else (1 if cls & WORD else 2)
            if kind != 0 and new_kind != kind:
                ids[n_ids] = _token(buf, n_buf, state, tok_slots, tok_meta, arena, modulus, w)
                n_ids += 1
                n_buf = 0
            if cls & SPACE:
                kind = 0
                continue
            n_buf = _put_utf8(cp, buf, n_buf)
            if cls & HAN:  # a token of its own
                ids[n_ids] = _token(buf, n_buf, state, tok_slots, tok_meta, arena, modulus, w)
                n_ids += 1
                n_buf, kind = 0, 0
            else:
                kind = new_kind
        for k in range(n_ids):
            out[n_out + k] = ids[k] & 0x3FFF
        n_out += n_ids
        for k in range(n_ids - 1):
            a, b = ids[k] >> 14, ids[k + 1] >> 14
            out[n_out + k] = _pair_bucket(a, b, state, pair_slots, tok_meta, arena, modulus, w, scratch)
        state[3] = n_out + max(n_ids - 1, 0)
    out_offsets[len(offsets) - 1] = state[3]
    return len(offsets) - 1


@njit(cache=True, nogil=True)
def _rehash_tokens(old, new):
    mask = len(new) // 2 - 1
    for s in range(len(old) // 2):
        h = old[2 * s]
        if h != 0:
            slot = int(h >> 1) & mask
            while new[2 * slot] != 0:
                slot = (slot + 1) & mask
            new[2 * slot], new[2 * slot + 1] = h, old[2 * s + 1]


@njit(cache=True, nogil=True)
def _rehash_pairs(old, new):
    mask = len(new) - 1
    for entry in old:
        if entry >= 0:
            slot = int(mix64(np.uint64(entry >> 14)) >> np.uint64(1)) & mask
            while new[slot] >= 0:
                slot = (slot + 1) & mask
            new[slot] = entry


def _arrow_mask(chars: pa.Array, pattern: str) -> np.ndarray:
    return pc.match_substring_regex(chars, pattern).to_numpy(zero_copy_only=False)


@functools.cache
def tables(word_run: str, han: str) -> tuple[np.ndarray, np.ndarray]:
    """(class bits per code point, Python's single-code-point lowercase per code point)."""
    codes = np.arange(MAX_CP, dtype=np.uint32)
    codes[0xD800:0xE000] = 0  # surrogates are no text; stand in NUL
    everything = codes.tobytes().decode("utf-32-le")
    chars = pa.array(list(everything), pa.string())
    char_class = np.zeros(MAX_CP, dtype=np.uint8)
    char_class[_arrow_mask(chars, f"^{word_run}$")] |= WORD
    char_class[_arrow_mask(chars, f"^{han}$")] |= HAN
    split = pc.utf8_split_whitespace(pc.binary_join_element_wise("a", chars, "b", ""))
    char_class[pc.list_value_length(split).to_numpy() == 2] |= SPACE
    char_class[0xD800:0xE000] = 0
    for c in CONTEXT_LOWER:
        everything = everything.replace(c, "\0")
    lower = np.frombuffer(everything.lower().encode("utf-32-le"), dtype=np.uint32).copy()
    assert len(lower) == MAX_CP  # every other code point lowercases to one code point
    lower[0xD800:0xE000] = np.arange(0xD800, 0xE000)
    for c in CONTEXT_LOWER:
        lower[ord(c)] = ord(c)
    return char_class, lower


def new_cache() -> list:
    """Empty tables, small: they grow as a run meets more distinct n-grams (`make_room`)."""
    return [
        np.zeros(4, dtype=np.int64),  # tokens, arena bytes, pairs in use; values written
        np.zeros(2 * 4096, dtype=np.int64),  # token slots: (hash, id << 14 | bucket)
        np.zeros(2 * 1024, dtype=np.int64),  # per token id: (arena start, byte length)
        np.zeros(1 << 16, dtype=np.uint8),  # the tokens' bytes
        np.full(4096, -1, dtype=np.int64),  # pair slots: (id a << 22 | id b) << 14 | bucket
    ]


def _pow2(n: int) -> int:
    return 1 << max(int(n) - 1, 1).bit_length()


def make_room(cache: list, size: int) -> None:
    """Room in the tables for a text of `size` bytes (at most that many new tokens and pairs):
    grown (rehashed) up to MAX_TOKENS / MAX_PAIRS, emptied beyond them."""
    state = cache[0]
    if state[0] + size > MAX_TOKENS or state[2] + size > MAX_PAIRS:
        state[:3] = 0
        cache[1].fill(0)
        cache[4].fill(-1)
    tokens, pairs, arena = state[0] + size, state[2] + size, state[1] + 2 * size
    if 4 * tokens > len(cache[1]):
        new = np.zeros(2 * _pow2(2 * tokens), dtype=np.int64)
        _rehash_tokens(cache[1], new)
        cache[1] = new
    if 2 * tokens > len(cache[2]):
        cache[2] = np.concatenate([cache[2], np.zeros(2 * _pow2(tokens) - len(cache[2]), dtype=np.int64)])
    if arena > len(cache[3]):
        cache[3] = np.concatenate([cache[3], np.zeros(_pow2(arena) - len(cache[3]), dtype=np.uint8)])
    if 2 * pairs > len(cache[4]):
        new = np.full(_pow2(2 * pairs), -1, dtype=np.int64)
        _rehash_pairs(cache[4], new)
        cache[4] = new
