"""Data-Juicer style quality statistics of texts, as one Arrow UDF.

`quality_stats(texts, langs)` returns, per text, a struct of

  n_chars, n_words, alnum_ratio, char_rep_ratio, word_rep_ratio,
  special_char_ratio, flagged_word_ratio, max_line_length

computed the way Data-Juicer's filters compute them (alphanumeric_filter with
tokenization=False, character_repetition_filter and word_repetition_filter with rep_len=10,
special_characters_filter, flagged_words_filter). `reference_stats(text, lang)` is the same
thing written literally in pure Python; the fast path is tested against it.

The fast path decodes Arrow's UTF-8 buffers inside one numba kernel and works on code points:
per-code-point lookup tables (alphanumeric, special, whitespace, CJK, punctuation, lowercase)
for the ratios, and 64-bit hashes of the 10-grams, sorted, for the repetition ratios.

Words: for lang 'zh' every CJK-script character is a word of its own and every run of other
non-whitespace characters is a word; for any other lang the words are `str.split()`'s. Only
for flagged-word matching (en) are leading/trailing punctuation stripped and words lowercased.

Deviations from Data-Juicer (documented, deliberate):
  * words are the ones above, not Data-Juicer's (sentencepiece for zh; lowercased words stripped
    of SPECIAL_CHARACTERS for word_repetition and flagged_words);
  * 'zh' flagged_word_ratio counts non-overlapping substring occurrences of each term divided by
    n_words; 'other' has no list, its flagged_word_ratio is 0.0;
  * n-grams are compared by 64-bit hash, so a hash collision (odds ~n^2 / 2^64 per text) could
    merge two different n-grams.
"""
from __future__ import annotations

import functools
import hashlib
import math
import re
import string
import sys
import threading
import unicodedata
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

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

# --------------------------------------------------------------------------------------------
# Character sets
# --------------------------------------------------------------------------------------------

# data_juicer/ops/common/special_characters.py, character for character (invisible and
# control characters escaped; the \x8x/\x9x are C1 controls that are in Data-Juicer's string).
MAIN_SPECIAL_CHARACTERS = string.punctuation + string.digits + string.whitespace
OTHER_SPECIAL_CHARACTERS = (
    "\x92\u2009\x93\x97\u200a\x9d\x99\u202f\x96\u2005\x95\x91\x9c"
    "\u3000\u2002 \u2008\x98\x81\u2003\x82\ufffc\x83\x84’“”–ー一▬…✦"
    "�\xad£\u200b•€«»°·═×士＾˘⇓↓↑←→（）§″′´¿−±∈\ufeff¢ø‚„½¼¾¹²³―⁃，ˌ¸‹"
    "›ʺˈʻ¦‐⠀‰\x85\x85‑≤≥‖◆●■►▼▲▴∆▻¡★☆✱ːº。¯˜¥ɪ≈†上ン：∼⁄・♡✓⊕․．⋅÷１‟；،、"
    "¨ाাी्े◦˚゜ʼ≖ʼ¤ッツシ℃√！【】‿∞➤～πه۩☛₨➩☻๑٪♥ıॽ《‘©﴿٬？▷Г♫∟™ª₪®「—❖」﴾》"
)
# Data-Juicer adds every key of emoji.EMOJI_DATA (emoji==2.2.0, its pinned version). The
# filter tests one code point at a time, so only the 1386 single-code-point keys can ever
# match; these are they, as inclusive ranges.
EMOJI_CODEPOINT_RANGES = (
    (0xA9, 0xA9), (0xAE, 0xAE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2604), (0x260E, 0x260E),
    (0x2611, 0x2611), (0x2614, 0x2615), (0x2618, 0x2618), (0x261D, 0x261D), (0x2620, 0x2620),
    (0x2622, 0x2623), (0x2626, 0x2626), (0x262A, 0x262A), (0x262E, 0x262F), (0x2638, 0x263A),
    (0x2640, 0x2640), (0x2642, 0x2642), (0x2648, 0x2653), (0x265F, 0x2660), (0x2663, 0x2663),
    (0x2665, 0x2666), (0x2668, 0x2668), (0x267B, 0x267B), (0x267E, 0x267F), (0x2692, 0x2697),
    (0x2699, 0x2699), (0x269B, 0x269C), (0x26A0, 0x26A1), (0x26A7, 0x26A7), (0x26AA, 0x26AB),
    (0x26B0, 0x26B1), (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26C8, 0x26C8), (0x26CE, 0x26CF),
    (0x26D1, 0x26D1), (0x26D3, 0x26D4), (0x26E9, 0x26EA), (0x26F0, 0x26F5), (0x26F7, 0x26FA),
    (0x26FD, 0x26FD), (0x2702, 0x2702), (0x2705, 0x2705), (0x2708, 0x270D), (0x270F, 0x270F),
    (0x2712, 0x2712), (0x2714, 0x2714), (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721),
    (0x2728, 0x2728), (0x2733, 0x2734), (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C),
    (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2763, 0x2764), (0x2795, 0x2797),
    (0x27A1, 0x27A1), (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D),
    (0x3297, 0x3297), (0x3299, 0x3299), (0x1F004, 0x1F004), (0x1F0CF, 0x1F0CF),
    (0x1F170, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A),
    (0x1F201, 0x1F202), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
    (0x1F250, 0x1F251), (0x1F300, 0x1F321), (0x1F324, 0x1F393), (0x1F396, 0x1F397),
    (0x1F399, 0x1F39B), (0x1F39E, 0x1F3F0), (0x1F3F3, 0x1F3F5), (0x1F3F7, 0x1F4FD),
    (0x1F4FF, 0x1F53D), (0x1F549, 0x1F54E), (0x1F550, 0x1F567), (0x1F56F, 0x1F570),
    (0x1F573, 0x1F57A), (0x1F587, 0x1F587), (0x1F58A, 0x1F58D), (0x1F590, 0x1F590),
    (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A5), (0x1F5A8, 0x1F5A8), (0x1F5B1, 0x1F5B2),
    (0x1F5BC, 0x1F5BC), (0x1F5C2, 0x1F5C4), (0x1F5D1, 0x1F5D3), (0x1F5DC, 0x1F5DE),
    (0x1F5E1, 0x1F5E1), (0x1F5E3, 0x1F5E3), (0x1F5E8, 0x1F5E8), (0x1F5EF, 0x1F5EF),
    (0x1F5F3, 0x1F5F3), (0x1F5FA, 0x1F64F), (0x1F680, 0x1F6C5), (0x1F6CB, 0x1F6D2),
    (0x1F6D5, 0x1F6D7), (0x1F6DC, 0x1F6E5), (0x1F6E9, 0x1F6E9), (0x1F6EB, 0x1F6EC),
    (0x1F6F0, 0x1F6F0), (0x1F6F3, 0x1F6FC), (0x1F7E0, 0x1F7EB), (0x1F7F0, 0x1F7F0),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1F9FF), (0x1FA70, 0x1FA7C),
    (0x1FA80, 0x1FA88), (0x1FA90, 0x1FABD), (0x1FABF, 0x1FAC5), (0x1FACE, 0x1FADB),
    (0x1FAE0, 0x1FAE8), (0x1FAF0, 0x1FAF8),
)
SPECIAL_CHARACTERS = frozenset(MAIN_SPECIAL_CHARACTERS + OTHER_SPECIAL_CHARACTERS) | frozenset(
    chr(cp) for lo, hi in EMOJI_CODEPOINT_RANGES for cp in range(lo, hi + 1)
)

# Code points that are each a word of their own in 'zh' text: Han ideographs (all blocks,
# radicals, strokes, compatibility forms), kana, bopomofo, hangul and CJK symbols/punctuation.
CJK_RANGES = (
    (0x1100, 0x11FF),    # Hangul Jamo
    (0x2E80, 0x2FDF),    # CJK Radicals Supplement, Kangxi Radicals
    (0x2FF0, 0x2FFF),    # Ideographic Description Characters
    (0x3000, 0x303F),    # CJK Symbols and Punctuation (U+3000 is whitespace, tested first)
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x3100, 0x31FF),    # Bopomofo, Hangul Compatibility Jamo, Kanbun, CJK Strokes, ...
    (0x3200, 0x33FF),    # Enclosed CJK Letters and Months, CJK Compatibility
    (0x3400, 0x4DBF),    # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),    # CJK Unified Ideographs
    (0xA960, 0xA97F),    # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),    # Hangul Syllables, Hangul Jamo Extended-B
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0xFE30, 0xFE4F),    # CJK Compatibility Forms
    (0xFF66, 0xFFDC),    # Halfwidth Katakana and Hangul
    (0x1B000, 0x1B16F),  # Kana Supplement, Kana Extended-A, Small Kana Extension
    (0x20000, 0x2FA1F),  # CJK Unified Ideographs Extensions B-F, Compatibility Supplement
    (0x30000, 0x323AF),  # CJK Unified Ideographs Extensions G-H
)

_MAX_CP = 0x110000
# Unicode has no punctuation (category P*) above the Supplementary Multilingual Plane.
_PUNCTUATION_SCAN_END = 0x20000


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


@functools.cache
def strip_characters() -> str:
    """Characters stripped from both ends of a word before flagged-word matching:
    ASCII punctuation (string.punctuation) and every Unicode punctuation character (P*)."""
    unicode_punctuation = (
        chr(cp) for cp in range(_PUNCTUATION_SCAN_END)
        if unicodedata.category(chr(cp)).startswith("P")
    )
    return "".join(sorted(set(string.punctuation).union(unicode_punctuation)))


FLAGGED_WORDS_DIR = Path(__file__).with_name("flagged_words")


@functools.cache
def flagged_words(lang: str) -> tuple[str, ...]:
    """The flagged word list of 'en' or 'zh' (deduplicated, file order); empty for others."""
    path = FLAGGED_WORDS_DIR / f"{lang}.txt"
    if lang not in ("en", "zh") or not path.exists():
        return ()
    lines = path.read_text(encoding="utf-8").splitlines()
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if lang == "en":
        words = [word.lower() for word in words]
        # ASCII-only makes per-code-point lowercasing in the fast path agree with str.lower().
        if not all(word.isascii() for word in words):
            raise ValueError(f"{path}: English flagged words must be ASCII")
    return tuple(dict.fromkeys(words))


# --------------------------------------------------------------------------------------------
# Reference implementation: the formulas written literally (slow)
# --------------------------------------------------------------------------------------------

def words_of(text: str, lang: str) -> list[str]:
    """Words of a text: str.split(), or for 'zh' CJK characters and runs of other non-spaces."""
    if lang != "zh":
        return text.split()
    words, run = [], []
    for ch in text:
        if ch.isspace() or is_cjk(ch):
            if run:
                words.append("".join(run))
                run = []
            if not ch.isspace():
                words.append(ch)
        else:
            run.append(ch)
    if run:
        words.append("".join(run))
    return words


def reference_char_rep_ratio(text: str, n: int = REP_LEN) -> float:
    grams = [text[i:i + n] for i in range(len(text) - n + 1)]
    freq = Counter(grams)
    if not freq:
        return 0.0
    counts = sorted(freq.values(), reverse=True)
    num_no_rep = counts.count(1)
    num_rep = min(int(math.sqrt(len(counts))), len(counts) - num_no_rep)
    return sum(counts[:num_rep]) / sum(counts)


def reference_word_rep_ratio(words: list[str], n: int = REP_LEN) -> float:
    freq = Counter(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    if not freq:
        return 0.0
    return sum(count for count in freq.values() if count > 1) / sum(freq.values())


def reference_flagged_count(text: str, words: list[str], lang: str) -> int:
    if lang == "en":
        strip, flagged = strip_characters(), set(flagged_words("en"))
        return sum(1 for word in words if word.strip(strip).lower() in flagged)
    if lang == "zh":
        return sum(text.count(term) for term in flagged_words("zh"))
    return 0


def reference_stats(text: str | None, lang: str | None) -> dict | None:
    """All statistics of one text, computed literally; None for a null text."""
    if text is None:
        return None
    lang = lang if lang in ("en", "zh") else "other"
    n_chars = len(text)
    words = words_of(text, lang)
    n_words = len(words)
    flagged = reference_flagged_count(text, words, lang)
    return {
        "n_chars": n_chars,
        "n_words": n_words,
        "alnum_ratio": sum(ch.isalnum() for ch in text) / n_chars if n_chars else 0.0,
        "char_rep_ratio": reference_char_rep_ratio(text),
        "word_rep_ratio": reference_word_rep_ratio(words),
        "special_char_ratio": (
            sum(ch in SPECIAL_CHARACTERS for ch in text) / n_chars if n_chars else 0.0
        ),
        "flagged_word_ratio": flagged / n_words if n_words else 0.0,
        "max_line_length": max(len(line) for line in text.split("\n")),
    }


# --------------------------------------------------------------------------------------------
# Fast path: lookup tables
# --------------------------------------------------------------------------------------------

# Bits of the per-code-point class table.
ALNUM, SPECIAL, SPACE, CJK, STRIP, ZH_TERM_START = 1, 2, 4, 8, 16, 32

_LANG_OTHER, _LANG_EN, _LANG_ZH = 0, 1, 2

# Hashing constants (all arithmetic is modulo 2**64).
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_NGRAM_BASE = np.uint64(0x9E3779B97F4A7C15)
_SLOT_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


class _Tables(NamedTuple):
    char_class: np.ndarray        # uint8[0x110000], bit set of ALNUM | SPECIAL | ...
    lowercase: np.ndarray         # uint32[0x110000], single-code-point lowercase
    flagged_en_hashes: np.ndarray  # uint64, sorted
    zh_terms: np.ndarray          # uint32, the zh flagged terms' code points, concatenated
    zh_term_offsets: np.ndarray   # int64[n_terms + 1]


def _all_code_points() -> str:
    codes = np.arange(_MAX_CP, dtype=np.uint32)
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _regex_mask(pattern: str, everything: str) -> np.ndarray:
    mask = np.zeros(_MAX_CP, dtype=bool)
    mask[[match.start() for match in re.finditer(pattern, everything)]] = True
    return mask


def _char_class_table(everything: str) -> np.ndarray:
    table = np.zeros(_MAX_CP, dtype=np.uint8)
    alnum = _regex_mask(r"\w", everything)  # re's \w is str.isalnum() plus '_'
    alnum[ord("_")] = False
    table[alnum] |= ALNUM
    table[_regex_mask(r"\s", everything)] |= SPACE  # re's \s is str.isspace()
    table[_code_points("".join(SPECIAL_CHARACTERS))] |= SPECIAL
    table[_code_points(strip_characters())] |= STRIP
    for lo, hi in CJK_RANGES:
        table[lo:hi + 1] |= CJK
    for term in flagged_words("zh"):
        table[ord(term[0])] |= ZH_TERM_START
    return table


def _lowercase_table(everything: str) -> np.ndarray:
    # U+0130 is the one code point whose lowercase is two code points; it stays itself (no
    # ASCII flagged word can match a word holding it either way).
    dotted_capital_i = 0x130
    lowered = (everything[:dotted_capital_i].lower() + everything[dotted_capital_i]
               + everything[dotted_capital_i + 1:].lower())
    return _code_points(lowered).copy()


def _zh_term_arrays() -> tuple[np.ndarray, np.ndarray]:
    terms = flagged_words("zh")
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(term) for term in terms])
    return _code_points("".join(terms)).copy(), offsets


def _build_tables() -> _Tables:
    everything = _all_code_points()
    lowercase = _lowercase_table(everything)
    en_hashes = [_hash_lowered(_code_points(w), 0, len(w), lowercase) for w in flagged_words("en")]
    zh_terms, zh_offsets = _zh_term_arrays()
    return _Tables(
        char_class=_char_class_table(everything),
        lowercase=lowercase,
        flagged_en_hashes=np.sort(np.array(en_hashes, dtype=np.uint64)),
        zh_terms=zh_terms,
        zh_term_offsets=zh_offsets,
    )


def _tables_cache_path() -> Path:
    """Keyed by everything the tables are built from: this code, the word lists, Unicode's version."""
    from sftmart.paths import cache_dir

    key = hashlib.sha256(Path(__file__).read_bytes())
    for lang in ("en", "zh"):
        path = FLAGGED_WORDS_DIR / f"{lang}.txt"
        key.update(path.read_bytes() if path.exists() else b"")
    key.update(f"{unicodedata.unidata_version} {sys.version_info[:2]}".encode())
    return cache_dir() / "text_stats" / f"tables-{key.hexdigest()[:16]}.npz"


_TABLES_LOCK = threading.Lock()


@functools.cache
def _tables() -> _Tables:
    """Built on first use (~0.4 s, then cached on disk), so that importing this module stays cheap."""
    with _TABLES_LOCK:  # UDF calls on two dbt threads may both get here first
        return _load_or_build_tables()


def _load_or_build_tables() -> _Tables:
    from sftmart.paths import load_or_build_arrays

    stored = load_or_build_arrays(_tables_cache_path(), lambda: _build_tables()._asdict())
    return _Tables(**{name: stored[name] for name in _Tables._fields})


# --------------------------------------------------------------------------------------------
# Fast path: numba kernels (one text at a time, inside one batch loop)
# --------------------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def _next_code_point(data, i):
    """(code point starting at data[i] in valid UTF-8, index of the next one).

    numba's on-disk cache keys a kernel by its own file only: after editing this helper, clear the
    caches of kernels in other files that inline it (udfs/__pycache__/lang.*.nb*)."""
    b = np.uint32(data[i])
    if b < 0x80:
        return b, i + 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.uint32(data[i + 1]) & 0x3F), i + 2
    if b < 0xF0:
        return (((b & 0x0F) << 12) | ((np.uint32(data[i + 1]) & 0x3F) << 6)
                | (np.uint32(data[i + 2]) & 0x3F)), i + 3
    return (((b & 0x07) << 18) | ((np.uint32(data[i + 1]) & 0x3F) << 12)
            | ((np.uint32(data[i + 2]) & 0x3F) << 6) | (np.uint32(data[i + 3]) & 0x3F)), i + 4


@njit(cache=True)
def _decode_utf8(data, start, end, out):
    """Decode valid UTF-8 data[start:end] into code points in out; returns how many."""
    n = 0
    i = start
    while i < end:
        out[n], i = _next_code_point(data, i)
        n += 1
    return n


@njit(cache=True)
def _count_class(cps, char_class, bit):
    count = 0
    for cp in cps:
        if char_class[cp] & bit:
            count += 1
    return count


@njit(cache=True)
def _max_line_length(cps):
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
def _find_words(cps, char_class, cjk_is_word, starts, ends):
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
def _mix64(h):
    """splitmix64's finaliser: spreads every input bit over the whole hash."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@njit(cache=True)
def _hash_span(cps, start, end):
    """Hash of the word cps[start:end]: FNV-1a over its code points, mixed."""
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(cps[i])) * _FNV_PRIME
    return _mix64(h)


@njit(cache=True)
def _hash_lowered(cps, start, end, lowercase):
    """_hash_span of the lowercased code points cps[start:end]."""
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(lowercase[cps[i]])) * _FNV_PRIME
    return _mix64(h)


@njit(cache=True)
def _ngram_hashes(values, n, out):
    """Rolling polynomial hash of every n-gram of values into out; returns how many."""
    count = len(values) - n + 1
    if count <= 0:
        return 0
    top = np.uint64(1)
    for _ in range(n - 1):
        top = top * _NGRAM_BASE
    h = np.uint64(0)
    for j in range(n):
        h = h * _NGRAM_BASE + np.uint64(values[j])
    out[0] = h
    for i in range(1, count):
        h = (h - np.uint64(values[i - 1]) * top) * _NGRAM_BASE + np.uint64(values[i + n - 1])
        out[i] = h
    return count


@njit(cache=True)
def _new_count_table(max_items):
    """Open-addressing hash -> count table for up to max_items items, reused across texts:
    (keys, counts, stamps, slots). A slot is in use for the current text when its stamp equals
    the text's stamp, so nothing needs clearing between texts; slots lists the used ones."""
    capacity = 16
    while capacity < 2 * max_items:
        capacity *= 2
    return (np.empty(capacity, dtype=np.uint64), np.empty(capacity, dtype=np.int64),
            np.full(capacity, -1, dtype=np.int64), np.empty(max(max_items, 1), dtype=np.int64))


@njit(cache=True)
def _count_distinct(grams, table, stamp):
    """Count each distinct value of grams in table (under stamp); returns how many distinct."""
    keys, counts, stamps, slots = table
    bits = 4
    while (1 << bits) < 2 * len(grams):
        bits += 1
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    n_distinct = 0
    for h in grams:
        slot = np.int64((h * _SLOT_MULTIPLIER) >> shift)  # Fibonacci hashing: top bits
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
def _top_repeated_share(table, n_distinct, total):
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
    return top[n_repeated - num_rep:].sum() / total


@njit(cache=True)
def _repeated_share(table, n_distinct, total):
    """word_repetition_filter's ratio: share of n-grams whose n-gram occurs more than once."""
    counts, slots = table[1], table[3]
    repeated = 0
    for k in range(n_distinct):
        count = counts[slots[k]]
        if count > 1:
            repeated += count
    return repeated / total


@njit(cache=True)
def _char_rep_ratio(cps, n, grams, table, stamp):
    count = _ngram_hashes(cps, n, grams)
    if count == 0:
        return 0.0
    n_distinct = _count_distinct(grams[:count], table, stamp)
    return _top_repeated_share(table, n_distinct, count)


@njit(cache=True)
def _word_rep_ratio(cps, starts, ends, n_words, n, word_hashes, grams, table, stamp):
    if n_words < n:
        return 0.0
    for k in range(n_words):
        word_hashes[k] = _hash_span(cps, starts[k], ends[k])
    count = _ngram_hashes(word_hashes[:n_words], n, grams)
    n_distinct = _count_distinct(grams[:count], table, stamp)
    return _repeated_share(table, n_distinct, count)


@njit(cache=True)
def _is_flagged_en(cps, start, end, char_class, lowercase, flagged_hashes):
    while start < end and char_class[cps[start]] & STRIP:
        start += 1
    while end > start and char_class[cps[end - 1]] & STRIP:
        end -= 1
    if start == end:
        return False
    h = _hash_lowered(cps, start, end, lowercase)
    at = np.searchsorted(flagged_hashes, h)
    return at < len(flagged_hashes) and flagged_hashes[at] == h


@njit(cache=True)
def _count_flagged_en(cps, starts, ends, n_words, char_class, lowercase, flagged_hashes):
    count = 0
    for k in range(n_words):
        if _is_flagged_en(cps, starts[k], ends[k], char_class, lowercase, flagged_hashes):
            count += 1
    return count


@njit(cache=True)
def _term_at(cps, pos, terms, start, end):
    if pos + (end - start) > len(cps):
        return False
    for j in range(end - start):
        if cps[pos + j] != terms[start + j]:
            return False
    return True


@njit(cache=True)
def _count_flagged_zh(cps, char_class, terms, term_offsets, next_allowed):
    """Sum over terms of str.count(term): non-overlapping occurrences, scanning left to right."""
    next_allowed[:] = 0
    count = 0
    for pos in range(len(cps)):
        if not char_class[cps[pos]] & ZH_TERM_START:
            continue
        for t in range(len(term_offsets) - 1):
            start, end = term_offsets[t], term_offsets[t + 1]
            if pos >= next_allowed[t] and _term_at(cps, pos, terms, start, end):
                count += 1
                next_allowed[t] = pos + (end - start)
    return count


@njit(cache=True, nogil=True)
def _batch_stats(data, offsets, valid, langs, char_class, lowercase, flagged_en_hashes,
                 zh_terms, zh_term_offsets, rep_len, ints, floats):
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
    table = _new_count_table(longest)
    next_allowed = np.empty(max(len(zh_term_offsets) - 1, 1), dtype=np.int64)
    for r in range(n_rows):
        if not valid[r]:
            continue
        n_chars = _decode_utf8(data, offsets[r], offsets[r + 1], cps_buffer)
        cps = cps_buffer[:n_chars]
        lang = langs[r]
        n_words = _find_words(cps, char_class, lang == _LANG_ZH, starts, ends)
        if lang == _LANG_EN:
            flagged = _count_flagged_en(cps, starts, ends, n_words, char_class, lowercase,
                                        flagged_en_hashes)
        elif lang == _LANG_ZH:
            flagged = _count_flagged_zh(cps, char_class, zh_terms, zh_term_offsets, next_allowed)
        else:
            flagged = 0
        ints[0, r] = n_chars
        ints[1, r] = n_words
        ints[2, r] = _max_line_length(cps)
        if n_chars:
            floats[0, r] = _count_class(cps, char_class, ALNUM) / n_chars
            floats[3, r] = _count_class(cps, char_class, SPECIAL) / n_chars
        floats[1, r] = _char_rep_ratio(cps, rep_len, grams, table, 2 * r)
        floats[2, r] = _word_rep_ratio(cps, starts, ends, n_words, rep_len, word_hashes, grams,
                                       table, 2 * r + 1)
        if n_words:
            floats[4, r] = flagged / n_words


# --------------------------------------------------------------------------------------------
# Fast path: Arrow in, Arrow out
# --------------------------------------------------------------------------------------------

def _plain_string_array(values) -> pa.StringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type != pa.string():
        values = values.cast(pa.string())
    return values


def _utf8_buffers(texts: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """(data bytes, int64 offsets of each row into them), honouring the array's slice offset."""
    _, offsets_buffer, data_buffer = texts.buffers()
    if offsets_buffer is None:  # an empty array
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    else:
        offsets = np.frombuffer(offsets_buffer, dtype=np.int32)
        offsets = offsets[texts.offset:texts.offset + len(texts) + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else None
    if data is None or len(data) == 0:
        data = np.zeros(1, dtype=np.uint8)
    return data, offsets


def _lang_codes(langs: pa.StringArray) -> np.ndarray:
    index = pc.index_in(langs, value_set=pa.array(["en", "zh"]))  # null where neither
    codes = pc.fill_null(index, -1).to_numpy(zero_copy_only=False)
    return (codes + 1).astype(np.int8)  # _LANG_OTHER, _LANG_EN, _LANG_ZH


def quality_stats(texts: pa.Array, langs: pa.Array) -> pa.StructArray:
    """Quality statistics of each text (ARROW_TYPE rows); a null text gives a null row.
    langs: 'en', 'zh' or anything else ('other'), one per text."""
    texts, langs = _plain_string_array(texts), _plain_string_array(langs)
    if len(texts) != len(langs):
        raise ValueError(f"texts and langs differ in length: {len(texts)} != {len(langs)}")
    tables = _tables()
    data, offsets = _utf8_buffers(texts)
    valid = texts.is_valid().to_numpy(zero_copy_only=False)
    ints = np.zeros((3, len(texts)), dtype=np.int64)
    floats = np.zeros((5, len(texts)), dtype=np.float64)
    # nogil: DuckDB calls the UDF from its worker threads, and their batches then run in parallel
    _batch_stats(data, offsets, valid, _lang_codes(langs), tables.char_class, tables.lowercase,
                 tables.flagged_en_hashes, tables.zh_terms, tables.zh_term_offsets, REP_LEN,
                 ints, floats)
    n_chars, n_words, max_line = ints
    alnum, char_rep, word_rep, special, flagged = floats
    columns = [n_chars, n_words, alnum, char_rep, word_rep, special, flagged, max_line]
    return pa.StructArray.from_arrays(
        [pa.array(column) for column in columns],
        fields=list(ARROW_TYPE),
        mask=pa.array(~valid) if not valid.all() else None,
    )


# --------------------------------------------------------------------------------------------
# Exact-dedup key: the text lowercased, with everything but letters and digits removed
# --------------------------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def _encode_utf8(cp, out, n):
    if cp < 0x80:
        out[n] = cp
        return n + 1
    if cp < 0x800:
        out[n] = 0xC0 | (cp >> 6)
        out[n + 1] = 0x80 | (cp & 0x3F)
        return n + 2
    if cp < 0x10000:
        out[n] = 0xE0 | (cp >> 12)
        out[n + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[n + 2] = 0x80 | (cp & 0x3F)
        return n + 3
    out[n] = 0xF0 | (cp >> 18)
    out[n + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[n + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[n + 3] = 0x80 | (cp & 0x3F)
    return n + 4


@njit(cache=True, nogil=True)
def _exact_keys(data, offsets, char_class, lowercase, out, out_offsets):
    """UTF-8 of each row's lowercased alphanumeric code points into out; out_offsets[r + 1] is
    where row r's key ends."""
    n = 0
    for r in range(len(offsets) - 1):
        i, end = offsets[r], offsets[r + 1]
        while i < end:
            cp, i = _next_code_point(data, i)
            if char_class[cp] & ALNUM:
                n = _encode_utf8(np.uint32(lowercase[cp]), out, n)
        out_offsets[r + 1] = n


def exact_keys(texts: pa.Array) -> pa.StringArray:
    """The exact-dedup key of each text: its alphanumeric characters (str.isalnum), lowercased
    one code point at a time (U+0130 stays itself), concatenated. Null stays null."""
    texts = _plain_string_array(texts)
    tables = _tables()
    data, offsets = _utf8_buffers(texts)

    # lowercasing grows a code point's UTF-8 by at most one byte (U+023A -> U+2C65)
    out = np.empty(max(1, 2 * int(offsets[-1] - offsets[0])), dtype=np.uint8)
    out_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    _exact_keys(data, offsets, tables.char_class, tables.lowercase, out, out_offsets)
    keys = pa.Array.from_buffers(pa.large_string(), len(texts), [
        None, pa.py_buffer(out_offsets), pa.py_buffer(out[:out_offsets[-1]])])
    return pc.if_else(texts.is_valid(), keys, None) if texts.null_count else keys
