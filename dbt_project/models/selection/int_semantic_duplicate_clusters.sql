-- Every semantic duplicate cluster (embeddings' cosine >= semantic_dedup_threshold, per language)
-- with all its members and the one it keeps; the shape of int_duplicate_clusters.
select
    'semantic:' || kept_sample_id as cluster_id,
    'semantic' as dedup_kind,
    kept_sample_id,
    sample_id,
    cluster_size,
    is_kept
from {{ ref('int_samples_semantic_deduped') }}
where cluster_size > 1
