"""`lm_scores_udf`: the DuckDB arrow UDF `sftmart_lm_scores(samples, model_spec, scope, cache_path)`,
one list of samples in, one list of scores out (the SQL pattern is in udfs/lm_scoring/__init__.py)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from udfs.lm_scoring.cache import score_with_cache
from udfs.lm_scoring.specs import canonical, load_for_spec, score_lock, scoring_fingerprint, spec_parts

try:  # DuckDB >= 1.4 / 2.0
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover - older DuckDB
    from duckdb import typing as T

ITEM_TYPE = duckdb.struct_type(
    {"sample_id": T.VARCHAR, "content_hash": T.VARCHAR, "prompt": T.VARCHAR, "response": T.VARCHAR}
)
ITEM_LIST_TYPE = duckdb.list_type(ITEM_TYPE)
SCORE_TYPE = duckdb.struct_type(
    {
        "sample_id": T.VARCHAR,
        "n_tokens": T.BIGINT,
        "mean_entropy": T.DOUBLE,
        "mean_nll": T.DOUBLE,
        "perplexity": T.DOUBLE,
    }
)
RESULT_TYPE = duckdb.list_type(SCORE_TYPE)
ARROW_SCORE_TYPE = pa.struct(
    [
        ("sample_id", pa.string()),
        ("n_tokens", pa.int64()),
        ("mean_entropy", pa.float64()),
        ("mean_nll", pa.float64()),
        ("perplexity", pa.float64()),
    ]
)
ARROW_RESULT_TYPE = pa.list_(ARROW_SCORE_TYPE)


def _as_array(value):
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def _single_value(array: pa.Array, name: str, default: str | None = None) -> str | None:
    import pyarrow.compute as pc

    values = [v for v in pc.unique(_as_array(array)).to_pylist() if v is not None]
    if len(values) > 1:
        raise ValueError(f"sftmart_lm_scores: {name} must be the same on every row, got {values[:3]}")
    return values[0] if values else default


def lm_scores_udf(items: pa.Array, model_spec: pa.Array, scope: pa.Array, cache_path: pa.Array) -> pa.Array:
    """Arrow UDF: list<struct<sample_id, content_hash, prompt, response>> per row in, the list of
    struct<sample_id, n_tokens, mean_entropy, mean_nll, perplexity> (same order) per row out.
    All lists of one call are scored together, through the cache at `cache_path`."""
    import pyarrow.compute as pc

    items = _as_array(items)
    n_rows = len(items)
    if n_rows == 0:
        return pa.array([], type=ARROW_RESULT_TYPE)
    spec_json = _single_value(model_spec, "model_spec", "{}")
    scope_value = _single_value(scope, "scope", "response")
    path = _single_value(cache_path, "cache_path")
    if not path:
        raise ValueError("sftmart_lm_scores: cache_path is required")
    flat = items.flatten()  # child structs of the non-null lists, in order
    lengths = pc.fill_null(pc.list_value_length(items), 0).to_numpy(zero_copy_only=False)
    valid = flat.is_valid().to_pylist()
    columns = {name: flat.field(name).to_pylist() for name in ("sample_id", "content_hash", "prompt", "response")}
    records = [{k: (columns[k][i] if valid[i] else None) for k in columns} for i in range(len(flat))]

    if records:
        spec, options = spec_parts(canonical(spec_json))
        with score_lock:
            scores = score_with_cache(
                path,
                lambda: load_for_spec(spec_json),
                scoring_fingerprint(spec_json),
                records,
                scope_value,
                max_length=spec.max_length,
                max_tokens_per_batch=options.get("max_tokens_per_batch"),
                progress=bool(options.get("progress", True)),
            )
    else:
        scores = []
    values = pa.array([{"sample_id": r["sample_id"], **s} for r, s in zip(records, scores)], type=ARROW_SCORE_TYPE)
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + int(length))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=ARROW_RESULT_TYPE, mask=items.is_null())
