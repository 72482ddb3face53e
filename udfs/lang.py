"""Language tagging with lingua (offline models shipped in the wheel), in two stages.

lingua's cost is in telling Latin-script languages apart. Stage one asks a detector whose only
Latin-script language is English, alongside Chinese and other languages with their own scripts;
that settles most rows quickly. Rows it calls English but that carry Latin diacritics or hardly any
English function words get a second look from the full detector (English, French, German, Spanish
as well). Anything not English or Chinese is tagged 'other'. Detection reads prefixes, because
lingua's cost grows with length: stage one only separates scripts, so 100 characters do; the
second look reads 200.
"""
from __future__ import annotations

from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from lingua import Language, LanguageDetectorBuilder

try:
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover
    from duckdb import typing as T

RESULT_TYPE = duckdb.struct_type({"lang": T.VARCHAR, "score": T.DOUBLE})
SCRIPT_PREFIX_CHARS = 100
DETECTION_PREFIX_CHARS = 200
DISTINCT_SCRIPT_LANGUAGES = (
    Language.ENGLISH, Language.CHINESE, Language.JAPANESE, Language.KOREAN, Language.RUSSIAN, Language.ARABIC)
KNOWN_LANGUAGES = DISTINCT_SCRIPT_LANGUAGES + (Language.FRENCH, Language.GERMAN, Language.SPANISH)
TAGS = {Language.ENGLISH: "en", Language.CHINESE: "zh"}
LATIN_DIACRITICS = r"[\x{00C0}-\x{00D6}\x{00D8}-\x{00F6}\x{00F8}-\x{024F}]"
ENGLISH_FUNCTION_WORDS = (r"\b(the|a|an|is|are|was|were|of|and|to|in|that|it|for|on|with|as|what|which|who|"
                          r"be|this|by|from|or|not|you|how|can|will|do|does|if|there|they|at|has|have)\b")
MIN_FUNCTION_WORDS = 2


@lru_cache(maxsize=2)
def detector(languages: tuple):
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def ranked_tags(prefixes: list[str], languages: tuple) -> tuple[list[str], list[float]]:
    tags, scores = [], []
    for ranked in detector(languages).compute_language_confidence_values_in_parallel(prefixes):
        top = ranked[0] if ranked and ranked[0].value > 0 else None
        tags.append(TAGS.get(top.language, "other") if top else "other")
        scores.append(float(top.value) if top else 0.0)
    return tags, scores


def needs_second_look(prefixes: list[str]) -> list[bool]:
    """Latin text that might not be English: it has diacritics or too few English function words."""
    array = pa.array(prefixes, pa.string())
    diacritics = pc.match_substring_regex(array, LATIN_DIACRITICS)
    function_words = pc.count_substring_regex(array, ENGLISH_FUNCTION_WORDS, ignore_case=True)
    return pc.or_(diacritics, pc.less(function_words, MIN_FUNCTION_WORDS)).to_pylist()


def tag_texts(texts: list[str]) -> tuple[list[str], list[float]]:
    """(tag, confidence) per text; empty or undecidable text is 'other' with confidence 0."""
    prefixes = [t[:DETECTION_PREFIX_CHARS] for t in texts]
    tags, scores = ranked_tags([p[:SCRIPT_PREFIX_CHARS] for p in prefixes], DISTINCT_SCRIPT_LANGUAGES)
    suspects = [i for i, (tag, doubt) in enumerate(zip(tags, needs_second_look(prefixes)))
                if tag == "en" and doubt]
    if suspects:
        second_tags, second_scores = ranked_tags([prefixes[i] for i in suspects], KNOWN_LANGUAGES)
        for i, tag, score in zip(suspects, second_tags, second_scores):
            tags[i], scores[i] = tag, score
    return tags, scores


def detect_language(texts: pa.Array) -> pa.StructArray:
    values = texts.to_pylist()
    present = [i for i, v in enumerate(values) if v is not None]
    tags: list = [None] * len(values)
    scores: list = [None] * len(values)
    found_tags, found_scores = tag_texts([values[i] for i in present])
    for i, tag, score in zip(present, found_tags, found_scores):
        tags[i], scores[i] = tag, score
    mask = pa.array([v is None for v in values])
    return pa.StructArray.from_arrays(
        [pa.array(tags, pa.string()), pa.array(scores, pa.float64())], names=["lang", "score"], mask=mask)
