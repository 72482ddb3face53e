-- Every duplicate cluster (exact and near) with all its members and the one member it keeps.
with exact as (
    select
        'exact' as dedup_kind,
        kept_sample_id,
        sample_id,
        group_size as cluster_size,
        is_kept
    from {{ ref('int_samples_exact_deduped') }}
    where group_size > 1
),

near as (
    select
        'near' as dedup_kind,
        kept_sample_id,
        sample_id,
        component_size as cluster_size,
        is_kept
    from {{ ref('int_near_duplicate_components') }}
    where component_size > 1
)

select dedup_kind || ':' || kept_sample_id as cluster_id, *
from (
    select * from exact
    union all
    select * from near
) as clusters
