"""The repetition ratios of Data-Juicer's character_repetition_filter and word_repetition_filter
(rep_len n-grams of code points or of words), counted in an open-addressing hash table that is
reused across the texts of a batch.

n-grams are compared by their 64-bit hashes (udfs/text_stats/hashing.py), not sorted: counting them
in a hash table is linear in the text.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from udfs.text_stats.hashing import hash_span, ngram_hashes

SLOT_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


@njit(cache=True)
def new_count_table(max_items):
    """Open-addressing hash -> count table for up to max_items items, reused across texts:
    (keys, counts, stamps, slots). A slot is in use for the current text when its stamp equals
    the text's stamp, so nothing needs clearing between texts; slots lists the used ones."""
    capacity = 16
    while capacity < 2 * max_items:
        capacity *= 2
    return (
        np.empty(capacity, dtype=np.uint64),
        np.empty(capacity, dtype=np.int64),
        np.full(capacity, -1, dtype=np.int64),
        np.empty(max(max_items, 1), dtype=np.int64),
    )


@njit(cache=True)
def count_distinct(grams, table, stamp):
    """Count each distinct value of grams in table (under stamp); returns how many distinct."""
    keys, counts, stamps, slots = table
    bits = 4
    while (1 << bits) < 2 * len(grams):
        bits += 1
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    n_distinct = 0
    for h in grams:
        slot = np.int64((h * SLOT_MULTIPLIER) >> shift)  # Fibonacci hashing: top bits
        while True:
            if stamps[slot] != stamp:
                stamps[slot] = stamp
                keys[slot] = h
                counts[slot] = 1
                slots[n_distinct] = slot
                n_distinct += 1
                break
            if keys[slot] == h:
                counts[slot] += 1
                break
            slot = (slot + 1) & mask
    return n_distinct


@njit(cache=True)
def top_repeated_share(table, n_distinct, total):
    """character_repetition_filter's ratio: the share of all n-grams taken by the
    int(sqrt(#distinct)) most frequent n-grams, counting repeated n-grams only."""
    counts, slots = table[1], table[3]
    repeated = np.empty(n_distinct, dtype=np.int64)  # the counts > 1
    n_repeated = 0
    for k in range(n_distinct):
        count = counts[slots[k]]
        if count > 1:
            repeated[n_repeated] = count
            n_repeated += 1
    num_rep = min(int(math.sqrt(n_distinct)), n_repeated)
    if num_rep == 0:
        return 0.0
    top = np.sort(repeated[:n_repeated])
    return top[n_repeated - num_rep :].sum() / total


@njit(cache=True)
def repeated_share(table, n_distinct, total):
    """word_repetition_filter's ratio: share of n-grams whose n-gram occurs more than once."""
    counts, slots = table[1], table[3]
    repeated = 0
    for k in range(n_distinct):
        count = counts[slots[k]]
        if count > 1:
            repeated += count
    return repeated / total


@njit(cache=True)
def char_rep_ratio(cps, n, grams, table, stamp):
    count = ngram_hashes(cps, n, grams)
    if count == 0:
        return 0.0
    n_distinct = count_distinct(grams[:count], table, stamp)
    return top_repeated_share(table, n_distinct, count)


@njit(cache=True)
def word_rep_ratio(cps, starts, ends, n_words, n, word_hashes, grams, table, stamp):
    if n_words < n:
        return 0.0
    for k in range(n_words):
        word_hashes[k] = hash_span(cps, starts[k], ends[k])
    count = ngram_hashes(word_hashes[:n_words], n, grams)
    n_distinct = count_distinct(grams[:count], table, stamp)
    return repeated_share(table, n_distinct, count)
