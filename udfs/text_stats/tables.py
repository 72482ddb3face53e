"""The lookup tables of the quality-stat kernels: a class bit set and the lowercase of every code
point, the hashes of the English flagged words and the Chinese flagged terms as code points.

Building them scans all 0x110000 code points (~0.4 s), so they are built on first use and cached
on disk (`sftmart.paths.cache_dir()/text_stats`), keyed by everything they are built from.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import threading
import unicodedata
from pathlib import Path
from typing import NamedTuple

import numpy as np

from udfs.text_stats import charsets, hashing
from udfs.text_stats.charsets import (
    ALNUM,
    CJK,
    CJK_RANGES,
    FLAGGED_WORDS_DIR,
    SPACE,
    SPECIAL,
    SPECIAL_CHARACTERS,
    STRIP,
    ZH_TERM_START,
    flagged_words,
    strip_characters,
)
from udfs.text_stats.hashing import hash_lowered

MAX_CP = 0x110000
SOURCES = tuple(Path(module.__file__) for module in (charsets, hashing)) + (Path(__file__),)


class Tables(NamedTuple):
    char_class: np.ndarray  # uint8[0x110000], bit set of ALNUM | SPECIAL | ...
    lowercase: np.ndarray  # uint32[0x110000], single-code-point lowercase
    flagged_en_hashes: np.ndarray  # uint64, sorted
    zh_terms: np.ndarray  # uint32, the zh flagged terms' code points, concatenated
    zh_term_offsets: np.ndarray  # int64[n_terms + 1]


def all_code_points() -> str:
    codes = np.arange(MAX_CP, dtype=np.uint32)
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def regex_mask(pattern: str, everything: str) -> np.ndarray:
    mask = np.zeros(MAX_CP, dtype=bool)
    mask[[match.start() for match in re.finditer(pattern, everything)]] = True
    return mask


def char_class_table(everything: str) -> np.ndarray:
    table = np.zeros(MAX_CP, dtype=np.uint8)
    alnum = regex_mask(r"\w", everything)  # re's \w is str.isalnum() plus '_'
    alnum[ord("_")] = False
    table[alnum] |= ALNUM
    table[regex_mask(r"\s", everything)] |= SPACE  # re's \s is str.isspace()
    table[code_points("".join(SPECIAL_CHARACTERS))] |= SPECIAL
    table[code_points(strip_characters())] |= STRIP
    for lo, hi in CJK_RANGES:
        table[lo : hi + 1] |= CJK
    for term in flagged_words("zh"):
        table[ord(term[0])] |= ZH_TERM_START
    return table


def lowercase_table(everything: str) -> np.ndarray:
    # U+0130 is the one code point whose lowercase is two code points; it stays itself (no
    # ASCII flagged word can match a word holding it either way).
    dotted_capital_i = 0x130
    lowered = (
        everything[:dotted_capital_i].lower()
        + everything[dotted_capital_i]
        + everything[dotted_capital_i + 1 :].lower()
    )
    return code_points(lowered).copy()


def zh_term_arrays() -> tuple[np.ndarray, np.ndarray]:
    terms = flagged_words("zh")
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(term) for term in terms])
    return code_points("".join(terms)).copy(), offsets


def build_tables() -> Tables:
    everything = all_code_points()
    lowercase = lowercase_table(everything)
    en_hashes = [hash_lowered(code_points(w), 0, len(w), lowercase) for w in flagged_words("en")]
    zh_terms, zh_offsets = zh_term_arrays()
    return Tables(
        char_class=char_class_table(everything),
        lowercase=lowercase,
        flagged_en_hashes=np.sort(np.array(en_hashes, dtype=np.uint64)),
        zh_terms=zh_terms,
        zh_term_offsets=zh_offsets,
    )


def tables_cache_path() -> Path:
    """Keyed by everything the tables are built from: the code (SOURCES), the word lists, Unicode's
    version."""
    from sftmart.paths import cache_dir

    key = hashlib.sha256(b"".join(path.read_bytes() for path in SOURCES))
    for lang in ("en", "zh"):
        path = FLAGGED_WORDS_DIR / f"{lang}.txt"
        key.update(path.read_bytes() if path.exists() else b"")
    key.update(f"{unicodedata.unidata_version} {sys.version_info[:2]}".encode())
    return cache_dir() / "text_stats" / f"tables-{key.hexdigest()[:16]}.npz"


_TABLES_LOCK = threading.Lock()


@functools.cache
def tables() -> Tables:
    """Built on first use (~0.4 s, then cached on disk), so that importing the UDFs stays cheap."""
    with _TABLES_LOCK:  # UDF calls on two dbt threads may both get here first
        return load_or_build_tables()


def load_or_build_tables() -> Tables:
    from sftmart.paths import load_or_build_arrays

    stored = load_or_build_arrays(tables_cache_path(), lambda: build_tables()._asdict())
    return Tables(**{name: stored[name] for name in Tables._fields})
