"""Semantic dedup of the candidate pool: per language, candidates whose embeddings (mart_base_scores,
centred on the language's mean: udfs/selection/vectors.py `centered` says why) have cosine
similarity >= semantic_dedup_threshold form clusters (udfs/selection/semantic_dedup.py:
exact block search, a faiss IVF index beyond 50k rows of a language); each cluster keeps its best
member: the highest quality_score of the pool, then the lowest base perplexity, then the smallest
sample_id (the MinHash clusters' rule). Candidates without an embedding (model layer off) are kept,
each its own cluster.
"""

import json

import numpy as np
import pyarrow as pa

from udfs.selection.arrow_vectors import embedding_matrix


def model(dbt, session):
    dbt.config(materialized="table")
    config = json.loads(dbt.config.get("vars_json"))
    threshold = float(config["semantic_dedup_threshold"])
    pool = dbt.ref("mart_candidate_pool").select("sample_id, quality_score")
    scores = dbt.ref("mart_base_scores").select("sample_id, lang, perplexity, embedding")
    rows = (
        scores.join(pool, "sample_id")
        .order("lang, quality_score desc nulls last, perplexity nulls last, sample_id")
        .to_arrow_table()
    )
    ids = rows.column("sample_id").to_numpy(zero_copy_only=False)
    langs = rows.column("lang").to_numpy(zero_copy_only=False)
    embedded, vectors = embedding_matrix(rows.column("embedding"))
    kept = np.arange(len(ids))
    if embedded.size:  # none with the model layer off: nothing to import (torch, faiss) or compare
        from udfs.selection.semantic_dedup import semantic_dedup
        from udfs.selection.vectors import centered

        for lang in sorted(set(langs[embedded].tolist())):
            mine = langs[embedded] == lang
            where = embedded[mine]
            x = centered(vectors[mine])
            kept[where] = where[semantic_dedup(x, threshold)]  # rows are best-first within a language
    sizes = np.bincount(kept, minlength=len(ids))[kept]
    return pa.table(
        {
            "sample_id": pa.array(ids, pa.string()),
            "lang": pa.array(langs, pa.string()),
            "kept_sample_id": pa.array(ids[kept], pa.string()),
            "cluster_size": pa.array(sizes, pa.int64()),
            "is_kept": pa.array(kept == np.arange(len(ids))),
        }
    )
