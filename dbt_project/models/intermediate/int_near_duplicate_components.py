"""Near-duplicate components: samples sharing any MinHash LSH band key are linked, and each connected
component keeps one member (udfs/minhash/components.py, scipy's connected_components).

Rows are numbered best-first (quality_score desc, sample_id asc), so each component's label is
the row number of the member it keeps. The band keys stream from DuckDB in record batches straight
into one (rows, bands) array: at 1M rows no Arrow copy of their 200 MB is held beside it (this node
set the build's peak memory).
"""

import numpy as np
import pyarrow as pa

BATCH_ROWS = 65_536


def model(dbt, session):
    dbt.config(materialized="table")
    from udfs.minhash import connected_components

    ranked = dbt.ref("int_samples_minhashed").order("quality_score desc, sample_id")
    [(n_rows,)] = ranked.aggregate("count(*)").fetchall()
    keys, sample_ids, langs, at = None, [], [], 0
    for batch in ranked.to_arrow_reader(BATCH_ROWS):  # sample_id, lang, quality_score, band_keys
        flat = batch.column("band_keys").flatten().to_numpy(zero_copy_only=False)
        if keys is None:
            keys = np.empty((n_rows, len(flat) // max(batch.num_rows, 1)), dtype=np.uint64)
        keys[at : at + batch.num_rows] = flat.reshape(batch.num_rows, -1)
        at += batch.num_rows
        sample_ids.append(batch.column("sample_id"))
        langs.append(batch.column("lang"))
    if keys is None:
        keys = np.empty((0, 0), dtype=np.uint64)
    labels = connected_components(np.arange(n_rows, dtype=np.int64), keys)
    del keys
    sample_ids = pa.chunked_array(sample_ids) if sample_ids else pa.chunked_array([], pa.string())
    langs = pa.chunked_array(langs) if langs else pa.chunked_array([], pa.string())
    sizes = np.bincount(labels, minlength=n_rows)[labels] if n_rows else labels
    return pa.table(
        {
            "sample_id": sample_ids,
            "lang": langs,
            "kept_sample_id": sample_ids.take(pa.array(labels)),
            "component_size": pa.array(sizes, pa.int64()),
            "is_kept": pa.array(labels == np.arange(n_rows)),
        }
    )
