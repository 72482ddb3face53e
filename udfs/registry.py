"""The one list of Python UDFs the warehouse registers, and how they are registered.

Each UDF is a pure function over Arrow arrays (`pa.Array` in, `pa.Array` out) that lives in its
own module; this file only adapts them to DuckDB's arrow-UDF calling convention.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

try:  # DuckDB >= 1.4 / 2.0
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover - older DuckDB
    from duckdb import typing as T


@dataclass(frozen=True)
class UdfSpec:
    name: str
    fn: Callable[..., pa.Array]
    params: list
    returns: object
    description: str


def _as_array(value):
    # DuckDB 2.0 hands arrow UDFs ChunkedArrays; our functions take plain Arrays.
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def _arrow_adapter(fn: Callable[..., pa.Array]) -> Callable[..., pa.Array]:
    @functools.wraps(fn)  # DuckDB checks the wrapped function's parameter count
    def call(*args):
        return fn(*(_as_array(a) for a in args))

    return call


def udf_specs() -> list[UdfSpec]:
    """All UDFs, imported lazily so that importing the registry stays cheap."""
    from udfs import dsir, encoders, lang, lm_scoring, minhash, ngrams, text_stats, tokens

    return [
        UdfSpec(
            "sftmart_detect_lang",
            lang.detect_language,
            [T.VARCHAR],
            lang.RESULT_TYPE,
            "Language tag (en, zh, other) and confidence by lingua",
        ),
        UdfSpec(
            "sftmart_quality_stats",
            text_stats.quality_stats,
            [T.VARCHAR, T.VARCHAR],
            text_stats.RESULT_TYPE,
            "Data-Juicer style quality statistics of a text",
        ),
        UdfSpec(
            "sftmart_exact_key",
            text_stats.exact_keys,
            [T.VARCHAR],
            T.VARCHAR,
            "Exact-dedup key: the text's letters and digits, lowercased",
        ),
        UdfSpec(
            "sftmart_minhash_band_keys",
            minhash.band_keys_udf,
            [T.VARCHAR, T.VARCHAR, T.INTEGER, T.DOUBLE, T.BIGINT],
            duckdb.list_type(T.UBIGINT),
            "MinHash LSH band keys (text, lang, num_perm, threshold, seed)",
        ),
        UdfSpec(
            "sftmart_ngram_hashes",
            ngrams.ngram_hashes_udf,
            [T.VARCHAR, T.VARCHAR],
            duckdb.list_type(T.BIGINT),
            "Distinct hashes of a text's word 13-grams ('zh': character 20-grams) for decontamination (text, lang)",
        ),
        UdfSpec(
            "sftmart_token_hashes",
            ngrams.token_hashes_udf,
            [T.VARCHAR],
            duckdb.list_type(T.BIGINT),
            "Distinct hashes of a text's lowercased words, each CJK character a word (decontamination)",
        ),
        UdfSpec(
            "sftmart_dsir_ngram_buckets",
            dsir.ngram_buckets,
            [T.VARCHAR],
            duckdb.list_type(T.UINTEGER),
            "DSIR hashed unigram + bigram features: one bucket per n-gram occurrence (data-selection's hashing)",
        ),
        UdfSpec(
            "sftmart_count_tokens",
            tokens.count_tokens,
            [T.VARCHAR, T.VARCHAR],
            T.BIGINT,
            "Number of tokens of a text under a tokenizer (text, tokenizer path or 'default')",
        ),
        UdfSpec(
            "sftmart_training_overhead",
            tokens.training_overheads,
            [T.VARCHAR],
            T.BIGINT,
            "Tokens training adds to a sample beyond its prompt and response (special prefix + eos) "
            "under a tokenizer (path or 'default')",
        ),
        UdfSpec(
            "sftmart_lm_scores",
            lm_scoring.lm_scores_udf,
            [lm_scoring.ITEM_LIST_TYPE, T.VARCHAR, T.VARCHAR, T.VARCHAR],
            lm_scoring.RESULT_TYPE,
            "Mean token entropy, NLL and perplexity per sample under a causal LM "
            "(list of samples, model spec JSON, scope, score cache path)",
        ),
        UdfSpec(
            "sftmart_lm_signals",
            lm_scoring.lm_signals_udf,
            [lm_scoring.ITEM_LIST_TYPE, T.VARCHAR, T.VARCHAR, T.VARCHAR, T.VARCHAR],
            lm_scoring.SIGNALS_RESULT_TYPE,
            "sftmart_lm_scores plus IFD and the mean-pooled embedding from the same pass "
            "(..., signals: 'ifd,embedding')",
        ),
        UdfSpec(
            "sftmart_embedding_dim",
            lm_scoring.embedding_dim_udf,
            [T.VARCHAR],
            T.INTEGER,
            "Hidden size of the model of a model spec JSON (from its config; nothing is loaded)",
        ),
        UdfSpec(
            "sftmart_quality_scores",
            encoders.quality_scores_udf,
            [lm_scoring.ITEM_LIST_TYPE, T.VARCHAR, T.VARCHAR],
            encoders.QUALITY_RESULT_TYPE,
            "Quality score per sample under a sequence-classification model (list of samples, spec, cache)",
        ),
        UdfSpec(
            "sftmart_text_embeddings",
            encoders.text_embeddings_udf,
            [lm_scoring.ITEM_LIST_TYPE, T.VARCHAR, T.VARCHAR],
            encoders.EMBEDDINGS_RESULT_TYPE,
            "Mean-pooled sentence embedding per sample under an encoder (list of samples, spec, cache)",
        ),
    ]


def registered_names() -> set[str]:
    return {spec.name for spec in udf_specs()}


def register_all(conn: duckdb.DuckDBPyConnection) -> None:
    for spec in udf_specs():
        conn.create_function(
            spec.name, _arrow_adapter(spec.fn), spec.params, spec.returns, type="arrow", side_effects=False
        )
