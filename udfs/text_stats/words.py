"""Per-text kernels over code points: character-class counts, line length, word spans and the
flagged-word counts of 'en' (stripped, lowercased words looked up by hash) and 'zh' (substring
occurrences of each term). See udfs/text_stats/__init__.py for what a word is in each language.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from udfs.text_stats.charsets import CJK, SPACE, STRIP, ZH_TERM_START
from udfs.text_stats.hashing import hash_lowered


@njit(cache=True)
def count_class(cps, char_class, bit):
    count = 0
    for cp in cps:
        if char_class[cp] & bit:
            count += 1
    return count


@njit(cache=True)
def max_line_length(cps):
    longest = 0
    current = 0
    for cp in cps:
        if cp == 10:  # '\n'
            current = 0
        else:
            current += 1
            if current > longest:
                longest = current
    return longest


@njit(cache=True)
def find_words(cps, char_class, cjk_is_word, starts, ends):
    """Word spans [starts[k], ends[k]); returns the number of words."""
    n_words = 0
    run_start = -1
    for i in range(len(cps)):
        cls = char_class[cps[i]]
        own_word = cjk_is_word and (cls & CJK) != 0 and (cls & SPACE) == 0
        if (cls & SPACE) != 0 or own_word:
            if run_start >= 0:
                starts[n_words] = run_start
                ends[n_words] = i
                n_words += 1
                run_start = -1
            if own_word:
                starts[n_words] = i
                ends[n_words] = i + 1
                n_words += 1
        elif run_start < 0:
            run_start = i
    if run_start >= 0:
        starts[n_words] = run_start
        ends[n_words] = len(cps)
        n_words += 1
    return n_words


@njit(cache=True)
def is_flagged_en(cps, start, end, char_class, lowercase, flagged_hashes):
    while start < end and char_class[cps[start]] & STRIP:
        start += 1
    while end > start and char_class[cps[end - 1]] & STRIP:
        end -= 1
    if start == end:
        return False
    h = hash_lowered(cps, start, end, lowercase)
    at = np.searchsorted(flagged_hashes, h)
    return at < len(flagged_hashes) and flagged_hashes[at] == h


@njit(cache=True)
def count_flagged_en(cps, starts, ends, n_words, char_class, lowercase, flagged_hashes):
    count = 0
    for k in range(n_words):
        if is_flagged_en(cps, starts[k], ends[k], char_class, lowercase, flagged_hashes):
            count += 1
    return count


@njit(cache=True)
def term_at(cps, pos, terms, start, end):
    if pos + (end - start) > len(cps):
        return False
    for j in range(end - start):
        if cps[pos + j] != terms[start + j]:
            return False
    return True


@njit(cache=True)
def count_flagged_zh(cps, char_class, terms, term_offsets, next_allowed):
    """Sum over terms of str.count(term): non-overlapping occurrences, scanning left to right."""
    next_allowed[:] = 0
    count = 0
    for pos in range(len(cps)):
        if not char_class[cps[pos]] & ZH_TERM_START:
            continue
        for t in range(len(term_offsets) - 1):
            start, end = term_offsets[t], term_offsets[t + 1]
            if pos >= next_allowed[t] and term_at(cps, pos, terms, start, end):
                count += 1
                next_allowed[t] = pos + (end - start)
    return count
