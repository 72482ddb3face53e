"""The DSIR features kernel (udfs/dsir_hash.py) keeps its memory bounded: its tables of distinct
tokens and bigrams empty themselves beyond MAX_TOKENS / MAX_PAIRS and grow for one text longer than
they hold, and the features stay the data-selection package's bucket for bucket."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa
import pytest

from udfs import dsir, dsir_hash


def package_counts(text: str) -> np.ndarray:
    from data_selection.hashed_ngram_dsir import get_ngram_counts

    return get_ngram_counts(text, n=2, num_buckets=dsir.NUM_BUCKETS)


def features(texts: list[str]) -> list[list[int]]:
    dsir._local = threading.local()  # fresh tables
    return dsir.ngram_buckets(pa.array(texts)).to_pylist()


def test_small_tables_empty_and_refill_with_the_same_features(real_en, real_zh, monkeypatch):
    texts = [f"{r['instruction']}\n{r['output']}" for r in real_en[:300] + real_zh[:100]]
    expected = features(texts)
    monkeypatch.setattr(dsir_hash, "MAX_TOKENS", 512)
    monkeypatch.setattr(dsir_hash, "MAX_PAIRS", 1024)
    assert features(texts) == expected
    state = dsir._local.cache[0]
    assert state[0] <= 512 and state[2] <= 1024  # emptied, never past the bounds
    for text, got in list(zip(texts, expected))[:300:30]:  # English (Chinese Han characters are split)
        assert (np.bincount(got, minlength=dsir.NUM_BUCKETS) == package_counts(text)).all()


def test_one_text_longer_than_the_tables_hold(monkeypatch):
    monkeypatch.setattr(dsir_hash, "MAX_TOKENS", 64)
    monkeypatch.setattr(dsir_hash, "MAX_PAIRS", 64)
    long = " ".join(f"word{i} ({i % 7})" for i in range(3000))  # thousands of distinct tokens and pairs
    [got] = features([long])
    assert (np.bincount(got, minlength=dsir.NUM_BUCKETS) == package_counts(long)).all()


@pytest.mark.parametrize("text", ["ΣΟΦΙΑ ΚΑΙ ΛΟΓΟΣ.", "İSTANBUL İzmir", "plain ascii"])
def test_texts_python_lowercases_by_context(text):
    [got] = features([text])
    assert (np.bincount(got, minlength=dsir.NUM_BUCKETS) == package_counts(text)).all()
