"""`band_keys_udf`: the DuckDB arrow UDF `sftmart_minhash_band_keys(text, lang, num_perm, threshold, seed)`."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from udfs.arrow_text import string_array
from udfs.minhash.lsh import band_keys, lsh_params
from udfs.minhash.signatures import signatures


def _first_scalar(x, name):
    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks()
    if isinstance(x, pa.Array):
        if len(x) == 0 or not x[0].is_valid:
            raise ValueError(f"{name} must be a non-null constant")
        return x[0].as_py()
    if isinstance(x, pa.Scalar):
        return x.as_py()
    return x


def band_keys_udf(
    texts: pa.Array, langs: pa.Array, num_perm: pa.Array, threshold: pa.Array, seed: pa.Array
) -> pa.Array:
    """DuckDB arrow UDF: list<uint64> of LSH band keys per row (null text -> null).

    num_perm / threshold / seed arrive as arrays of one repeated constant; element 0 is used.
    Uses the default xxh32 hash, word/char 5-gram shingles and the 'affine32' scheme.
    """
    arr = string_array(texts)
    rows = len(arr)
    if rows == 0:
        return pa.array([], type=pa.list_(pa.uint64()))
    num_perm = int(_first_scalar(num_perm, "num_perm"))
    threshold = float(_first_scalar(threshold, "threshold"))
    seed = int(_first_scalar(seed, "seed"))
    b, r = lsh_params(threshold, num_perm)
    sigs = signatures(arr, langs, num_perm=num_perm, seed=seed)
    keys = band_keys(sigs, b, r)
    offsets = pa.array(np.arange(0, rows * b + 1, b, dtype=np.int32))
    values = pa.array(keys.reshape(-1), type=pa.uint64())
    mask = pc.is_null(arr) if arr.null_count else None
    return pa.ListArray.from_arrays(offsets, values, mask=mask)
