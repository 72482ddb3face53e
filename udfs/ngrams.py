"""`ngram_hashes(texts, langs)`: the distinct 64-bit hashes of each text's long n-grams, for
evaluation decontamination (int_eval_ngrams_hashed, int_samples_eval_matched).

The rule is GPT-3's and lm-evaluation-harness's (its `decontamination/janitor.py`): lowercase the
text, drop punctuation, and take word 13-grams; a training text that shares one 13-gram with an
evaluation prompt or reference is contaminated. Chinese has no spaces between words, so a 'zh' text
is read as its characters (letters, digits and ideographs, whitespace and punctuation dropped) and
its n-grams are NGRAM_CHARS characters long: a Chinese word is about 1.5 characters, so 20
characters span about the 13 words of the English rule; 13 characters (~8 words) would reach set
phrases and the reasoning boilerplate that unrelated chain-of-thought rows share. A text with fewer
tokens than n has no n-grams (lm-evaluation-harness does the same); short questions are matched
by the question rule instead.

Words are maximal runs of letters and digits (str.isalnum), lowercased one code point at a time,
hashed with udfs/text_stats/hashing.py's FNV-1a + splitmix64; an n-gram's hash is the rolling
polynomial hash of its word hashes (hashing.ngram_hashes), returned as BIGINT (the same 64 bits).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit

from udfs.arrow_text import next_code_point, string_array, utf8_buffers, valid_mask
from udfs.text_stats.charsets import ALNUM
from udfs.text_stats.hashing import mix64, ngram_hashes
from udfs.text_stats.tables import tables

NGRAM_WORDS = 13  # lm-evaluation-harness / GPT-3
NGRAM_CHARS = 20  # 'zh': characters; see the module docstring
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True, nogil=True)
def _tokens(data, start, end, char_class, lowercase, per_char, out):
    """Hashes of the tokens of data[start:end] into out (words, or each letter/digit when
    per_char); returns how many."""
    n = 0
    h = FNV_OFFSET
    in_word = False
    i = start
    while i < end:
        cp, i = next_code_point(data, i)
        if char_class[cp] & ALNUM:
            if per_char:
                out[n] = mix64((FNV_OFFSET ^ np.uint64(lowercase[cp])) * FNV_PRIME)
                n += 1
            else:
                h = (h ^ np.uint64(lowercase[cp])) * FNV_PRIME
                in_word = True
        elif in_word:
            out[n] = mix64(h)
            n += 1
            h = FNV_OFFSET
            in_word = False
    if in_word:
        out[n] = mix64(h)
        n += 1
    return n


@njit(cache=True, nogil=True)
def _all_ngrams(data, offsets, is_zh, valid, char_class, lowercase, n_words, n_chars, out, out_offsets):
    """Every row's n-gram hashes, concatenated into out; out_offsets[r + 1] is where row r's end."""
    longest = 1
    for r in range(len(offsets) - 1):
        longest = max(longest, offsets[r + 1] - offsets[r])
    tokens = np.empty(longest, dtype=np.uint64)
    grams = np.empty(longest, dtype=np.uint64)
    m = 0
    for r in range(len(offsets) - 1):
        if valid[r]:
            count = _tokens(data, offsets[r], offsets[r + 1], char_class, lowercase, is_zh[r], tokens)
            k = ngram_hashes(tokens[:count], n_chars if is_zh[r] else n_words, grams)
            if k > 0:
                distinct = np.unique(grams[:k])
                out[m : m + len(distinct)] = distinct
                m += len(distinct)
        out_offsets[r + 1] = m
    return m


def ngram_hashes_of(texts, langs, n_words: int = NGRAM_WORDS, n_chars: int = NGRAM_CHARS) -> pa.ListArray:
    """list<int64> of the distinct n-gram hashes of each text (word n-grams, character n-grams
    where lang is 'zh'); null text -> null, a text shorter than n -> empty list."""
    texts = string_array(texts)
    langs = string_array(langs)
    data, offsets = utf8_buffers(texts)
    lookup = tables()
    is_zh = np.array([lang == "zh" for lang in langs.to_pylist()], dtype=np.bool_)
    valid = valid_mask(texts)
    # at most one n-gram per byte of text
    out = np.empty(max(1, int(offsets[-1] - offsets[0])), dtype=np.uint64)
    out_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    m = _all_ngrams(
        data, offsets, is_zh, valid, lookup.char_class, lookup.lowercase, n_words, n_chars, out, out_offsets
    )
    values = pa.array(out[:m].view(np.int64), type=pa.int64())
    mask = pa.array(~valid) if texts.null_count else None
    return pa.ListArray.from_arrays(pa.array(out_offsets.astype(np.int32)), values, mask=mask)


def ngram_hashes_udf(texts: pa.Array, langs: pa.Array) -> pa.ListArray:
    """DuckDB arrow UDF `sftmart_ngram_hashes(text, lang)`: ngram_hashes_of with the rule's n."""
    return ngram_hashes_of(texts, langs)
