"""Language tagging with lingua (offline models shipped in the wheel).

The detector knows English and Chinese plus a few languages that commonly appear in instruction
data; anything not English or Chinese is tagged 'other'. Detection reads a prefix of the text:
lingua's cost grows with length and a few hundred characters settle the language.
"""
from __future__ import annotations

from functools import lru_cache

import duckdb
import pyarrow as pa
from lingua import Language, LanguageDetectorBuilder

try:
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover
    from duckdb import typing as T

RESULT_TYPE = duckdb.struct_type({"lang": T.VARCHAR, "score": T.DOUBLE})
DETECTION_PREFIX_CHARS = 200
KNOWN_LANGUAGES = (
    Language.ENGLISH, Language.CHINESE, Language.JAPANESE, Language.KOREAN, Language.RUSSIAN,
    Language.ARABIC, Language.FRENCH, Language.GERMAN, Language.SPANISH,
)
TAGS = {Language.ENGLISH: "en", Language.CHINESE: "zh"}


@lru_cache(maxsize=1)
def detector():
    return (LanguageDetectorBuilder.from_languages(*KNOWN_LANGUAGES)
            .with_preloaded_language_models().build())


def tag_texts(texts: list[str]) -> tuple[list[str], list[float]]:
    """(tag, confidence) per text; empty or undecidable text is 'other' with confidence 0."""
    prefixes = [t[:DETECTION_PREFIX_CHARS] for t in texts]
    confidences = detector().compute_language_confidence_values_in_parallel(prefixes)
    tags, scores = [], []
    for ranked in confidences:
        top = ranked[0] if ranked and ranked[0].value > 0 else None
        tags.append(TAGS.get(top.language, "other") if top else "other")
        scores.append(float(top.value) if top else 0.0)
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
