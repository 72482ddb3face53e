"""The DuckDB arrow UDFs `sftmart_quality_scores(samples, model_spec, cache_path)` and
`sftmart_text_embeddings(samples, model_spec, cache_path)`: length-sorted lists of samples in (the
same list<struct<sample_id, content_hash, prompt, response>> as `sftmart_lm_scores`), one list of
results out, through the score cache."""

from __future__ import annotations

import threading
from functools import lru_cache, partial

import duckdb
import pyarrow as pa

from udfs.encoders.cache import encode_with_cache, encoder_fingerprint
from udfs.encoders.run import load_encoder
from udfs.lm_scoring.specs import canonical, score_lock, spec_parts
from udfs.lm_scoring.udf import T, _as_array, flat_items, relist, single_value

QUALITY_RESULT_TYPE = duckdb.list_type(
    duckdb.struct_type({"sample_id": T.VARCHAR, "n_tokens": T.BIGINT, "quality_score": T.DOUBLE})
)
EMBEDDINGS_RESULT_TYPE = duckdb.list_type(
    duckdb.struct_type({"sample_id": T.VARCHAR, "n_tokens": T.BIGINT, "embedding": duckdb.list_type(T.FLOAT)})
)
ARROW_TYPES = {
    "quality": pa.struct([("sample_id", pa.string()), ("n_tokens", pa.int64()), ("quality_score", pa.float64())]),
    "embedding": pa.struct(
        [("sample_id", pa.string()), ("n_tokens", pa.int64()), ("embedding", pa.list_(pa.float32()))]
    ),
}
_load_lock = threading.Lock()


@lru_cache(maxsize=2)
def _load_cached(canonical_spec: str, kind: str):
    spec, _ = spec_parts(canonical_spec)
    return load_encoder(spec, kind)


def load_for_spec(spec_json: str, kind: str):
    """(model, tokenizer) of an encoder spec, loaded once per process."""
    with _load_lock:
        return _load_cached(canonical(spec_json), kind)


def _encode(items, model_spec, cache_path, kind: str, udf: str) -> pa.Array:
    items = _as_array(items)
    list_type = pa.list_(ARROW_TYPES[kind])
    if len(items) == 0:
        return pa.array([], type=list_type)
    spec_json = single_value(model_spec, "model_spec", None, udf)
    path = single_value(cache_path, "cache_path", None, udf)
    if not spec_json or not path:
        raise ValueError(f"{udf}: model_spec and cache_path are required")
    records, lengths = flat_items(items)
    outputs = []
    if records:
        spec, options = spec_parts(canonical(spec_json))
        with score_lock:
            outputs = encode_with_cache(
                path,
                partial(load_for_spec, spec_json, kind),  # by reference: a Ray worker imports it
                encoder_fingerprint(spec_json, kind),
                kind,
                records,
                max_length=spec.max_length,
                max_tokens_per_batch=options.get("max_tokens_per_batch"),
                progress=bool(options.get("progress", True)),
                compute=options.get("compute"),  # local or Ray (compute/); not in the fingerprint
            )
    values = pa.array([{"sample_id": r["sample_id"], **o} for r, o in zip(records, outputs)], type=ARROW_TYPES[kind])
    return relist(items, lengths, values, list_type)


def quality_scores_udf(items: pa.Array, model_spec: pa.Array, cache_path: pa.Array) -> pa.Array:
    """Arrow UDF: per list of samples, the list of struct<sample_id, n_tokens, quality_score>."""
    return _encode(items, model_spec, cache_path, "quality", "sftmart_quality_scores")


def text_embeddings_udf(items: pa.Array, model_spec: pa.Array, cache_path: pa.Array) -> pa.Array:
    """Arrow UDF: per list of samples, the list of struct<sample_id, n_tokens, embedding FLOAT[]>."""
    return _encode(items, model_spec, cache_path, "embedding", "sftmart_text_embeddings")
