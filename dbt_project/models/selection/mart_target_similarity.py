"""Embedding similarity toward the target examples (RDS+-style): per language, every candidate's
mean cosine to its target_similarity_k nearest target examples (udfs/selection/target_similarity.py),
both sides centred on the language's candidate mean, the mean semantic dedup removes
(int_samples_semantic_deduped). `order by: target_similarity` and the `target_embed` arm draw the largest first.

One row per candidate: target_similarity is null where it has no embedding (model layer off) or its
language has no target example (n_neighbours 0).
"""

import json

import numpy as np
import pyarrow as pa

from udfs.selection.arrow_vectors import embedding_matrix


def model(dbt, session):
    dbt.config(materialized="table")
    config = json.loads(dbt.config.get("vars_json"))  # dbt reads config keys from this statement's shape
    k = int(config["target_similarity_k"])
    targets = dbt.ref("int_target_records_embedded").filter("embedding is not null")
    targets = targets.order("lang, target_id").to_arrow_table()
    target_langs = targets.column("lang").to_numpy(zero_copy_only=False)
    _, target_vectors = embedding_matrix(targets.column("embedding"))
    # the pool's embeddings are read only when there is a target to compare them with
    wanted = "embedding" if target_vectors.size else "null::float[] as embedding"
    scores = dbt.ref("mart_base_scores").select(f"sample_id, embedding is not null as has_embedding, {wanted}")
    rows = dbt.ref("mart_candidate_pool").select("sample_id, lang").join(scores, "sample_id", how="left")
    rows = rows.order("lang, sample_id").to_arrow_table()
    ids = rows.column("sample_id").to_numpy(zero_copy_only=False)
    langs = rows.column("lang").to_numpy(zero_copy_only=False)
    embedded, vectors = embedding_matrix(rows.column("embedding"))
    similarity = np.full(len(ids), np.nan)
    neighbours = np.zeros(len(ids), dtype=np.int64)
    if embedded.size:
        from udfs.selection.target_similarity import knn_mean_cosine

        for lang in sorted(set(langs[embedded].tolist()) & set(target_langs.tolist())):
            mine = np.flatnonzero(langs[embedded] == lang)  # contiguous: rows are in language order
            mine = slice(mine[0], mine[-1] + 1)
            x = vectors[mine]  # a view: the pool's matrix is not copied
            mean = x.mean(axis=0) if len(x) >= 2 else np.zeros(x.shape[1], dtype=np.float32)  # as `centered`
            t = target_vectors[target_langs == lang]
            similarity[embedded[mine]] = knn_mean_cosine(x, t, k, center=mean)
            neighbours[embedded[mine]] = min(k, len(t))
    has_embedding = rows.column("has_embedding").fill_null(False)
    return pa.table(
        {
            "sample_id": pa.array(ids, pa.string()),
            "lang": pa.array(langs, pa.string()),
            "target_similarity": pa.array(similarity, pa.float64(), mask=np.isnan(similarity)),
            "n_neighbours": pa.array(neighbours, pa.int64()),
            "has_embedding": has_embedding,
        }
    )
