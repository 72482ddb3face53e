"""Language tagging with lingua (offline models shipped in the wheel), in three steps.

lingua's cost is in telling Latin-script languages apart, and in its per-text set-up even where
the script alone decides. So:

1. A numba scan reads each text's first 100 code points and settles the texts lingua's own script
   rule would settle: only Latin letters -> English, only Han -> Chinese, each with confidence 1.0
   (what lingua returns for such texts among DISTINCT_SCRIPT_LANGUAGES, where English is the only
   Latin-script language and Japanese needs kana). Anything else (mixed scripts, kana, Hangul,
   Cyrillic, letters the scan does not know, no letters at all) goes to step 2.
2. lingua over DISTINCT_SCRIPT_LANGUAGES on those 100-character prefixes.
3. Texts called English that carry Latin diacritics or hardly any English function words get a
   second look from the full detector (English, French, German, Spanish as well) on 200 characters.

Anything not English or Chinese is tagged 'other'.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lingua import Language, LanguageDetectorBuilder
from numba import njit

from udfs.arrow_text import next_code_point, string_array, utf8_buffers

try:
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover
    from duckdb import typing as T

RESULT_TYPE = duckdb.struct_type({"lang": T.VARCHAR, "score": T.DOUBLE})
SCRIPT_PREFIX_CHARS = 100
DETECTION_PREFIX_CHARS = 200
DISTINCT_SCRIPT_LANGUAGES = (
    Language.ENGLISH,
    Language.CHINESE,
    Language.JAPANESE,
    Language.KOREAN,
    Language.RUSSIAN,
    Language.ARABIC,
)
KNOWN_LANGUAGES = DISTINCT_SCRIPT_LANGUAGES + (Language.FRENCH, Language.GERMAN, Language.SPANISH)
LATIN_LANGUAGES = (Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH)
TAGS = {Language.ENGLISH: "en", Language.CHINESE: "zh"}
LATIN_DIACRITICS = r"[\x{00C0}-\x{00D6}\x{00D8}-\x{00F6}\x{00F8}-\x{024F}]"
ENGLISH_FUNCTION_WORDS = (
    r"\b(the|a|an|is|are|was|were|of|and|to|in|that|it|for|on|with|as|what|which|who|"
    r"be|this|by|from|or|not|you|how|can|will|do|does|if|there|they|at|has|have)\b"
)
MIN_FUNCTION_WORDS = 2
ONLY_LATIN, ONLY_HAN, UNDECIDED = 0, 1, 2


_LATIN_MODELS_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _latin_models_detector():
    return LanguageDetectorBuilder.from_languages(*LATIN_LANGUAGES).with_preloaded_language_models().build()


def load_latin_models() -> None:
    """The second look's Latin-script models, all at once: 0.43 s instead of 0.62 s when lingua
    loads them as texts need them (lingua shares loaded models between detectors). Under a lock,
    so that UDF calls on two threads load them once."""
    with _LATIN_MODELS_LOCK:
        _latin_models_detector()


@lru_cache(maxsize=2)
def detector(languages: tuple):
    # lingua loads a language's n-gram models when a text first needs them (~0.2 s each) and
    # keeps them for the process; most rows never need any (their script decides).
    return LanguageDetectorBuilder.from_languages(*languages).build()


@njit(cache=True, inline="always")
def _letter_script(cp):
    """0 Latin letter, 1 Han, 2 not a letter (ignored), 3 anything else (undecided)."""
    if cp < 0x80:
        return 0 if (0x41 <= cp <= 0x5A or 0x61 <= cp <= 0x7A) else 2
    if cp < 0xC0:
        return 3 if cp in (0xAA, 0xB5, 0xBA) else 2  # ª µ º are letters; the rest is punctuation
    if cp <= 0x24F:
        return 2 if cp in (0xD7, 0xF7) else 0  # × ÷
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2EBEF or 0xF900 <= cp <= 0xFAFF:
        return 1
    if (
        0x2000 <= cp <= 0x206F
        or 0x20A0 <= cp <= 0x20CF
        or 0x2190 <= cp <= 0x23FF
        or 0x2500 <= cp <= 0x27BF
        or 0xFE30 <= cp <= 0xFE4F
        or 0x1F000 <= cp <= 0x1FAFF
    ):
        return 2  # punctuation, currency, arrows, maths, shapes, CJK compatibility forms, emoji
    if 0x3000 <= cp <= 0x303F:
        return 3 if 0x3005 <= cp <= 0x3007 else 2  # 々 〆 〇 are letters; the rest CJK punctuation
    if 0xFF00 <= cp <= 0xFF20 or 0xFF3B <= cp <= 0xFF40 or 0xFF5B <= cp <= 0xFF65:
        return 2  # full-width punctuation and digits
    return 3


@njit(cache=True, nogil=True)
def _prefix_scripts(data, offsets, valid, max_chars, out):
    for r in range(len(offsets) - 1):
        out[r] = UNDECIDED
        if not valid[r]:
            continue
        seen = np.zeros(4, dtype=np.bool_)
        i, end, n = offsets[r], offsets[r + 1], 0
        while i < end and n < max_chars:
            cp, i = next_code_point(data, i)
            n += 1
            seen[_letter_script(cp)] = True
        if seen[3] or seen[0] == seen[1]:
            continue  # unknown letters, both scripts, or no letters: lingua decides
        out[r] = ONLY_LATIN if seen[0] else ONLY_HAN


def prefix_scripts(texts: pa.StringArray, max_chars: int = SCRIPT_PREFIX_CHARS) -> np.ndarray:
    """ONLY_LATIN, ONLY_HAN or UNDECIDED per text, from the letters of its first max_chars code points."""
    data, offsets = utf8_buffers(texts)
    out = np.empty(len(texts), dtype=np.int8)
    _prefix_scripts(data, offsets, texts.is_valid().to_numpy(zero_copy_only=False), max_chars, out)
    return out


def ranked_tags(prefixes: list[str], languages: tuple) -> tuple[list[str], list[float]]:
    tags, scores = [], []
    for ranked in detector(languages).compute_language_confidence_values_in_parallel(prefixes):
        top = ranked[0] if ranked and ranked[0].value > 0 else None
        tags.append(TAGS.get(top.language, "other") if top else "other")
        scores.append(float(top.value) if top else 0.0)
    return tags, scores


def needs_second_look(prefixes: pa.StringArray) -> np.ndarray:
    """Latin text that might not be English: it has diacritics or too few English function words."""
    diacritics = pc.match_substring_regex(prefixes, LATIN_DIACRITICS)
    function_words = pc.count_substring_regex(prefixes, ENGLISH_FUNCTION_WORDS, ignore_case=True)
    return pc.or_(diacritics, pc.less(function_words, MIN_FUNCTION_WORDS)).to_numpy(zero_copy_only=False)


def tag_array(texts: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """(tags as an object array, confidences) per non-null text; empty or undecidable text is
    'other' with confidence 0."""
    tags = np.full(len(texts), "en", dtype=object)
    scores = np.ones(len(texts), dtype=np.float64)
    scripts = prefix_scripts(texts)
    tags[scripts == ONLY_HAN] = "zh"
    undecided = np.flatnonzero(scripts == UNDECIDED)
    if len(undecided):
        prefixes = pc.utf8_slice_codeunits(texts.take(undecided), 0, SCRIPT_PREFIX_CHARS)
        found, confidences = ranked_tags(prefixes.to_pylist(), DISTINCT_SCRIPT_LANGUAGES)
        tags[undecided], scores[undecided] = found, confidences
    english = np.flatnonzero(tags == "en")
    prefixes = pc.utf8_slice_codeunits(texts.take(english), 0, DETECTION_PREFIX_CHARS)
    doubtful = needs_second_look(prefixes)
    if doubtful.any():
        load_latin_models()
        found, confidences = ranked_tags(prefixes.filter(doubtful).to_pylist(), KNOWN_LANGUAGES)
        tags[english[doubtful]], scores[english[doubtful]] = found, confidences
    return tags, scores


def tag_texts(texts: list[str]) -> tuple[list[str], list[float]]:
    """(tag, confidence) per text; empty or undecidable text is 'other' with confidence 0."""
    tags, scores = tag_array(pa.array(texts, pa.string()))
    return tags.tolist(), scores.tolist()


def detect_language(texts: pa.Array) -> pa.StructArray:
    texts = string_array(texts)
    valid = texts.is_valid()
    present = np.flatnonzero(valid.to_numpy(zero_copy_only=False))
    tags = np.full(len(texts), None, dtype=object)
    scores = np.zeros(len(texts), dtype=np.float64)
    tags[present], scores[present] = tag_array(texts.take(present))
    return pa.StructArray.from_arrays(
        [pa.array(tags, pa.string()), pa.array(scores, pa.float64())], names=["lang", "score"], mask=pc.invert(valid)
    )
