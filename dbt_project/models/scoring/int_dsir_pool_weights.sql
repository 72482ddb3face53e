-- DSIR's importance weight of every candidate (Xie et al. 2023): log w = sum over its unigram and
-- bigram occurrences of the bucket's log-likelihood ratio (int_dsir_bucket_log_ratios), the
-- package's dot(log_diff, counts). A language without target examples has no target model: its
-- candidates weigh 0 (log), so the draw in it is a seeded random one (has_target_model false).
-- draw_key adds a Gumbel variate seeded by sample_seed: the largest keys first is a draw without
-- replacement proportional to the weights (Gumbel top-k), which the `order by: dsir` step takes
-- until the language's share of the budget is full.
with occurrences as (
    select row_id as sample_id, lang, unnest(buckets) as bucket
    from {{ ref('int_dsir_ngram_features') }}
    where side = 'pool'
),

weights as (
    select o.sample_id, sum(r.log_ratio) as log_importance_weight
    from occurrences as o
    inner join {{ ref('int_dsir_bucket_log_ratios') }} as r using (lang, bucket)
    group by o.sample_id
),

target_langs as (
    select distinct lang from {{ ref('int_dsir_bucket_log_ratios') }}
),

pool as (
    select
        f.row_id as sample_id,
        f.lang,
        coalesce(w.log_importance_weight, 0) as log_importance_weight,
        f.lang in (select lang from target_langs) as has_target_model
    from {{ ref('int_dsir_ngram_features') }} as f
    left join weights as w on f.row_id = w.sample_id
    where f.side = 'pool'
)

select
    *,
    log_importance_weight + {{ seeded_gumbel('sample_id', checked_var('sample_seed')) }} as draw_key
from pool
