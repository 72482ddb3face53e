"""Near-duplicate components: samples sharing any MinHash LSH band key are linked, and each connected
component keeps one member (udfs/minhash/components.py, scipy's connected_components).

Rows are numbered best-first (quality_score desc, sample_id asc), so each component's label is
the row number of the member it keeps.
"""

import numpy as np
import pyarrow as pa


def band_key_matrix(band_keys: pa.ChunkedArray) -> np.ndarray:
    """(rows, bands) uint64 from the list column, chunk by chunk (no combined arrow copy)."""
    chunks = [c.flatten().to_numpy(zero_copy_only=False) for c in band_keys.chunks if len(c)]
    if not chunks:
        return np.empty((0, 0), dtype=np.uint64)
    return np.concatenate(chunks).reshape(len(band_keys), -1)


def model(dbt, session):
    dbt.config(materialized="table")
    from udfs.minhash import connected_components

    samples = dbt.ref("int_samples_minhashed").order("quality_score desc, sample_id").to_arrow_table()
    n_rows = samples.num_rows
    keys = band_key_matrix(samples.column("band_keys"))
    samples = samples.drop_columns(["band_keys"])  # the arrow copy of the keys is freed here (200 MB at 1M rows)
    labels = connected_components(np.arange(n_rows, dtype=np.int64), keys)
    del keys
    sample_ids = samples.column("sample_id")
    kept_ids = sample_ids.take(pa.array(labels))
    sizes = np.bincount(labels, minlength=n_rows)[labels] if n_rows else labels
    return pa.table(
        {
            "sample_id": sample_ids,
            "lang": samples.column("lang"),
            "kept_sample_id": kept_ids,
            "component_size": pa.array(sizes, pa.int64()),
            "is_kept": pa.array(labels == np.arange(n_rows)),
        }
    )
