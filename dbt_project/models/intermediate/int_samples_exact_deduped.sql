-- Exact duplicates among quality-passing samples: each exact_hash keeps its best member
-- (highest quality_score, then lowest sample_id).
with passing as (
    select q.sample_id, q.lang, q.quality_score, c.exact_hash
    from {{ ref('int_records_quality_scored') }} as q
    inner join {{ ref('int_records_cleaned') }} as c using (sample_id)
    where q.passes_quality
),

ranked as (
    select
        *,
        row_number() over (partition by exact_hash order by quality_score desc, sample_id) as rank_in_group,
        count(*) over (partition by exact_hash) as group_size,
        first_value(sample_id) over (partition by exact_hash order by quality_score desc, sample_id) as kept_sample_id
    from passing
)

select
    sample_id,
    lang,
    quality_score,
    exact_hash,
    group_size,
    kept_sample_id,
    rank_in_group = 1 as is_kept
from ranked
