"""The DuckDB arrow UDFs `sftmart_lm_scores(samples, model_spec, scope, cache_path)` and
`sftmart_lm_signals(samples, model_spec, scope, cache_path, signals)`: one list of samples in, one
list of scores out (the SQL pattern is in udfs/lm_scoring/__init__.py); and
`sftmart_embedding_dim(model_spec)`, the width of a model's final hidden state (read from its
config, nothing loaded), which SQL needs to type embeddings as FLOAT[d]."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from udfs.lm_scoring.cache import score_with_cache
from udfs.lm_scoring.scorer import check_signals
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
SIGNALS_SCORE_TYPE = duckdb.struct_type(
    {
        **{name: child for name, child in SCORE_TYPE.children},
        "mean_nll_unconditional": T.DOUBLE,
        "ifd": T.DOUBLE,
        "embedding": duckdb.list_type(T.FLOAT),
    }
)
SIGNALS_RESULT_TYPE = duckdb.list_type(SIGNALS_SCORE_TYPE)
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
ARROW_SIGNALS_SCORE_TYPE = pa.struct(
    [
        *ARROW_SCORE_TYPE,
        ("mean_nll_unconditional", pa.float64()),
        ("ifd", pa.float64()),
        ("embedding", pa.list_(pa.float32())),
    ]
)
ARROW_SIGNALS_RESULT_TYPE = pa.list_(ARROW_SIGNALS_SCORE_TYPE)


def _as_array(value):
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def single_value(array: pa.Array, name: str, default: str | None = None, udf: str = "sftmart_lm_scores") -> str | None:
    """The one value a constant argument has on every row of a call (null rows aside)."""
    import pyarrow.compute as pc

    values = [v for v in pc.unique(_as_array(array)).to_pylist() if v is not None]
    if len(values) > 1:
        raise ValueError(f"{udf}: {name} must be the same on every row, got {values[:3]}")
    return values[0] if values else default


def flat_items(items: pa.Array) -> tuple[list[dict], list[int]]:
    """The samples of all lists of a call, in order, and each list's length (0 for a null list)."""
    import pyarrow.compute as pc

    flat = items.flatten()  # child structs of the non-null lists, in order
    lengths = pc.fill_null(pc.list_value_length(items), 0).to_numpy(zero_copy_only=False)
    valid = flat.is_valid().to_pylist()
    names = [f.name for f in flat.type]
    columns = {name: flat.field(name).to_pylist() for name in names}
    return [{k: (columns[k][i] if valid[i] else None) for k in names} for i in range(len(flat))], list(lengths)


def relist(items: pa.Array, lengths: list[int], values: pa.Array, list_type) -> pa.Array:
    """`values` cut back into one list per input row (null where the input list was null)."""
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + int(length))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=list_type, mask=items.is_null())


def _scores(items, model_spec, scope, cache_path, signals: tuple[str, ...], udf: str, list_type, struct_type):
    items = _as_array(items)
    if len(items) == 0:
        return pa.array([], type=list_type)
    spec_json = single_value(model_spec, "model_spec", "{}", udf)
    scope_value = single_value(scope, "scope", "response", udf)
    path = single_value(cache_path, "cache_path", None, udf)
    if not path:
        raise ValueError(f"{udf}: cache_path is required")
    records, lengths = flat_items(items)
    scores = []
    if records:
        spec, options = spec_parts(canonical(spec_json))
        with score_lock:
            scores = score_with_cache(
                path,
                lambda: load_for_spec(spec_json),
                scoring_fingerprint(spec_json),
                records,
                scope_value,
                signals=signals,
                max_length=spec.max_length,
                max_tokens_per_batch=options.get("max_tokens_per_batch"),
                progress=bool(options.get("progress", True)),
                compute=options.get("compute"),  # local or Ray (compute/); not in the fingerprint
            )
    values = pa.array([{"sample_id": r["sample_id"], **s} for r, s in zip(records, scores)], type=struct_type)
    return relist(items, lengths, values, list_type)


def lm_scores_udf(items: pa.Array, model_spec: pa.Array, scope: pa.Array, cache_path: pa.Array) -> pa.Array:
    """Arrow UDF: list<struct<sample_id, content_hash, prompt, response>> per row in, the list of
    struct<sample_id, n_tokens, mean_entropy, mean_nll, perplexity> (same order) per row out.
    All lists of one call are scored together, through the cache at `cache_path`."""
    return _scores(items, model_spec, scope, cache_path, (), "sftmart_lm_scores", ARROW_RESULT_TYPE, ARROW_SCORE_TYPE)


def lm_signals_udf(
    items: pa.Array, model_spec: pa.Array, scope: pa.Array, cache_path: pa.Array, signals: pa.Array
) -> pa.Array:
    """`lm_scores_udf` plus mean_nll_unconditional, ifd and embedding (list<float>), each null unless
    named in `signals` (comma-separated: 'ifd', 'embedding', 'ifd,embedding'; '' = none)."""
    names = single_value(signals, "signals", "", "sftmart_lm_signals") or ""
    wanted = check_signals([x.strip() for x in names.split(",") if x.strip()])
    return _scores(
        items,
        model_spec,
        scope,
        cache_path,
        wanted,
        "sftmart_lm_signals",
        ARROW_SIGNALS_RESULT_TYPE,
        ARROW_SIGNALS_SCORE_TYPE,
    )


def hidden_size(model_dir) -> int:
    """Width of the final hidden state of the model in `model_dir`, from its config."""
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(model_dir))
    config = getattr(config, "text_config", None) or config
    size = getattr(config, "hidden_size", None)
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"{model_dir}: config.json gives no hidden_size")
    return size


def embedding_dim_udf(model_spec: pa.Array) -> pa.Array:
    """Arrow UDF: the hidden size of each row's model spec (its model directory's config)."""
    specs = _as_array(model_spec).to_pylist()
    sizes = {s: hidden_size(spec_parts(canonical(s))[0].model_dir()) for s in set(specs) if s is not None}
    return pa.array([sizes.get(s) for s in specs], type=pa.int32())
