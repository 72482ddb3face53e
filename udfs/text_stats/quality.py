"""`quality_stats(texts, langs)`: the quality statistics of each text, one numba kernel per batch.

The kernel decodes each row's UTF-8 into code points once and runs every statistic on them: the
class counts and words of udfs/text_stats/words.py, the repetition ratios of
udfs/text_stats/repetition.py, with the lookup tables of udfs/text_stats/tables.py.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from udfs.arrow_text import decode_utf8, string_array, utf8_buffers
from udfs.text_stats.charsets import ALNUM, SPECIAL
from udfs.text_stats.repetition import char_rep_ratio, new_count_table, word_rep_ratio
from udfs.text_stats.tables import tables
from udfs.text_stats.words import count_class, count_flagged_en, count_flagged_zh, find_words, max_line_length

try:  # DuckDB >= 1.4 / 2.0
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover - older DuckDB
    from duckdb import typing as T

REP_LEN = 10  # Data-Juicer's default rep_len for character and word repetition

_FIELDS = (
    ("n_chars", T.BIGINT, pa.int64()),
    ("n_words", T.BIGINT, pa.int64()),
    ("alnum_ratio", T.DOUBLE, pa.float64()),
    ("char_rep_ratio", T.DOUBLE, pa.float64()),
    ("word_rep_ratio", T.DOUBLE, pa.float64()),
    ("special_char_ratio", T.DOUBLE, pa.float64()),
    ("flagged_word_ratio", T.DOUBLE, pa.float64()),
    ("max_line_length", T.BIGINT, pa.int64()),
)
FIELD_NAMES = tuple(name for name, _, _ in _FIELDS)
RESULT_TYPE = duckdb.struct_type({name: sql for name, sql, _ in _FIELDS})
ARROW_TYPE = pa.struct([(name, arrow) for name, _, arrow in _FIELDS])

_LANG_OTHER, _LANG_EN, _LANG_ZH = 0, 1, 2


@njit(cache=True, nogil=True)
def _batch_stats(
    data,
    offsets,
    valid,
    langs,
    char_class,
    lowercase,
    flagged_en_hashes,
    zh_terms,
    zh_term_offsets,
    rep_len,
    ints,
    floats,
):
    """Fill ints[(n_chars, n_words, max_line_length), row] and
    floats[(alnum, char_rep, word_rep, special, flagged), row] for every valid row."""
    n_rows = len(offsets) - 1
    longest = 1
    for r in range(n_rows):
        longest = max(longest, offsets[r + 1] - offsets[r])
    cps_buffer = np.empty(longest, dtype=np.uint32)
    starts = np.empty(longest, dtype=np.int64)
    ends = np.empty(longest, dtype=np.int64)
    word_hashes = np.empty(longest, dtype=np.uint64)
    grams = np.empty(longest, dtype=np.uint64)
    table = new_count_table(longest)
    next_allowed = np.empty(max(len(zh_term_offsets) - 1, 1), dtype=np.int64)
    for r in range(n_rows):
        if not valid[r]:
            continue
        n_chars = decode_utf8(data, offsets[r], offsets[r + 1], cps_buffer)
        cps = cps_buffer[:n_chars]
        lang = langs[r]
        n_words = find_words(cps, char_class, lang == _LANG_ZH, starts, ends)
        if lang == _LANG_EN:
            flagged = count_flagged_en(cps, starts, ends, n_words, char_class, lowercase, flagged_en_hashes)
        elif lang == _LANG_ZH:
            flagged = count_flagged_zh(cps, char_class, zh_terms, zh_term_offsets, next_allowed)
        else:
            flagged = 0
        ints[0, r] = n_chars
        ints[1, r] = n_words
        ints[2, r] = max_line_length(cps)
        if n_chars:
            floats[0, r] = count_class(cps, char_class, ALNUM) / n_chars
            floats[3, r] = count_class(cps, char_class, SPECIAL) / n_chars
        floats[1, r] = char_rep_ratio(cps, rep_len, grams, table, 2 * r)
        floats[2, r] = word_rep_ratio(cps, starts, ends, n_words, rep_len, word_hashes, grams, table, 2 * r + 1)
        if n_words:
            floats[4, r] = flagged / n_words


def _lang_codes(langs: pa.StringArray) -> np.ndarray:
    index = pc.index_in(langs, value_set=pa.array(["en", "zh"]))  # null where neither
    codes = pc.fill_null(index, -1).to_numpy(zero_copy_only=False)
    return (codes + 1).astype(np.int8)  # _LANG_OTHER, _LANG_EN, _LANG_ZH


def quality_stats(texts: pa.Array, langs: pa.Array) -> pa.StructArray:
    """Quality statistics of each text (ARROW_TYPE rows); a null text gives a null row.
    langs: 'en', 'zh' or anything else ('other'), one per text."""
    texts, langs = string_array(texts), string_array(langs)
    if len(texts) != len(langs):
        raise ValueError(f"texts and langs differ in length: {len(texts)} != {len(langs)}")
    lookup = tables()
    data, offsets = utf8_buffers(texts)
    valid = texts.is_valid().to_numpy(zero_copy_only=False)
    ints = np.zeros((3, len(texts)), dtype=np.int64)
    floats = np.zeros((5, len(texts)), dtype=np.float64)
    # nogil: DuckDB calls the UDF from its worker threads, and their batches then run in parallel
    _batch_stats(
        data,
        offsets,
        valid,
        _lang_codes(langs),
        lookup.char_class,
        lookup.lowercase,
        lookup.flagged_en_hashes,
        lookup.zh_terms,
        lookup.zh_term_offsets,
        REP_LEN,
        ints,
        floats,
    )
    n_chars, n_words, max_line = ints
    alnum, char_rep, word_rep, special, flagged = floats
    columns = [n_chars, n_words, alnum, char_rep, word_rep, special, flagged, max_line]
    return pa.StructArray.from_arrays(
        [pa.array(column) for column in columns],
        fields=list(ARROW_TYPE),
        mask=pa.array(~valid) if not valid.all() else None,
    )
