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
from udfs.text_stats.charsets import ALNUM, CJK
from udfs.text_stats.hashing import mix64, ngram_hashes
from udfs.text_stats.tables import tables

NGRAM_WORDS = 13  # lm-evaluation-harness / GPT-3
NGRAM_CHARS = 20  # 'zh': characters; see the module docstring
WORDS, CHARS, MIXED = 0, 1, 2  # token modes: words, every letter/digit, words with each CJK character apart
FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True, nogil=True)
def _tokens(data, start, end, char_class, lowercase, mode, out):
    """Hashes of the tokens of data[start:end] into out (mode WORDS, CHARS or MIXED); returns how
    many."""
    n = 0
    h = FNV_OFFSET
    in_word = False
    i = start
    while i < end:
        cp, i = next_code_point(data, i)
        cls = char_class[cp]
        alone = mode == CHARS or (mode == MIXED and cls & CJK)
        if cls & ALNUM and not alone:
            h = (h ^ np.uint64(lowercase[cp])) * FNV_PRIME
            in_word = True
            continue
        if in_word:
            out[n] = mix64(h)
            n += 1
            h = FNV_OFFSET
            in_word = False
        if cls & ALNUM:
            out[n] = mix64((FNV_OFFSET ^ np.uint64(lowercase[cp])) * FNV_PRIME)
            n += 1
    if in_word:
        out[n] = mix64(h)
        n += 1
    return n


@njit(cache=True, nogil=True)
def _all_ngrams(data, offsets, modes, valid, char_class, lowercase, n_words, n_chars, out, out_offsets):
    """Every row's n-gram hashes, concatenated into out; out_offsets[r + 1] is where row r's end."""
    longest = 1
    for r in range(len(offsets) - 1):
        longest = max(longest, offsets[r + 1] - offsets[r])
    tokens = np.empty(longest, dtype=np.uint64)
    grams = np.empty(longest, dtype=np.uint64)
    m = 0
    for r in range(len(offsets) - 1):
        if valid[r]:
            count = _tokens(data, offsets[r], offsets[r + 1], char_class, lowercase, modes[r], tokens)
            k = ngram_hashes(tokens[:count], n_chars if modes[r] == CHARS else n_words, grams)
            if k > 0:
                distinct = np.unique(grams[:k])
                out[m : m + len(distinct)] = distinct
                m += len(distinct)
        out_offsets[r + 1] = m
    return m


def ngram_hashes_of(
    texts, langs=None, n_words: int = NGRAM_WORDS, n_chars: int = NGRAM_CHARS, mode: int | None = None
) -> pa.ListArray:
    """list<int64> of the distinct n-gram hashes of each text (word n-grams, character n-grams
    where lang is 'zh'; every row in `mode` when given); null text -> null, a text shorter than n
    -> empty list."""
    texts = string_array(texts)
    data, offsets = utf8_buffers(texts)
    lookup = tables()
    if mode is None:
        modes = np.array([CHARS if lang == "zh" else WORDS for lang in string_array(langs).to_pylist()], np.int64)
    else:
        modes = np.full(len(texts), mode, dtype=np.int64)
    valid = valid_mask(texts)
    # at most one n-gram per byte of text
    out = np.empty(max(1, int(offsets[-1] - offsets[0])), dtype=np.uint64)
    out_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    m = _all_ngrams(
        data, offsets, modes, valid, lookup.char_class, lookup.lowercase, n_words, n_chars, out, out_offsets
    )
    values = pa.array(out[:m].view(np.int64), type=pa.int64())
    mask = pa.array(~valid) if texts.null_count else None
    return pa.ListArray.from_arrays(pa.array(out_offsets.astype(np.int32)), values, mask=mask)


def ngram_hashes_udf(texts: pa.Array, langs: pa.Array) -> pa.ListArray:
    """DuckDB arrow UDF `sftmart_ngram_hashes(text, lang)`: ngram_hashes_of with the rule's n."""
    return ngram_hashes_of(texts, langs)


def token_hashes_udf(texts: pa.Array) -> pa.ListArray:
    """DuckDB arrow UDF `sftmart_token_hashes(text)`: the distinct hashes of a text's tokens,
    words with each CJK character a token of its own (whatever the language), lowercased and
    hashed as the n-grams' words are. Decontamination's options rule joins on them to find the
    candidate rows before it compares texts."""
    return ngram_hashes_of(texts, n_words=1, mode=MIXED)
