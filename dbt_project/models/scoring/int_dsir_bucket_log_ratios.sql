-- Per language and pool bucket, the log-likelihood ratio of the target's bag-of-n-gram model to the
-- pool's: ln(p_target + eps) - ln(p_pool + eps), eps as in the authors' package. A candidate's log
-- importance weight is the sum of this over its n-gram occurrences (int_dsir_pool_weights). Only
-- languages with target examples have ratios.
with pool as (
    select lang, bucket, probability from {{ ref('int_dsir_ngram_counts') }} where side = 'pool'
),

target as (
    select lang, bucket, probability from {{ ref('int_dsir_ngram_counts') }} where side = 'target'
),

target_langs as (
    select distinct lang from target
)

select
    p.lang,
    p.bucket,
    coalesce(t.probability, 0) as p_target,
    p.probability as p_pool,
    ln(coalesce(t.probability, 0) + {{ dsir_smoothing() }}) - ln(p.probability + {{ dsir_smoothing() }}) as log_ratio
from pool as p
semi join target_langs as l using (lang)
left join target as t using (lang, bucket)
