-- Evaluation decontamination: every near-dedup survivor, and whether it is an exact or near
-- duplicate of an evaluation record (staging.stg_eval__records). Held-out rows must never train a
-- model, so a match leaves the pool with reason eval_contamination (mart_record_outcomes).
-- Exact: the same exact-dedup key (udfs/text_stats/exact_key.py) of the sample text. Near: a shared
-- MinHash LSH band key under the near-dedup's own settings (minhash_num_perm, minhash_threshold,
-- minhash_seed), which is how near-dedup links two samples.
with survivors as (
    select n.sample_id, n.lang, c.exact_hash
    from {{ ref('int_near_duplicate_components') }} as n
    inner join {{ ref('int_records_cleaned') }} as c using (sample_id)
    where n.is_kept
),

eval_rows as (
    select t.eval_id, t.lang, t.sample_text
    from {{ ref('stg_eval__tagged') }} as t
    semi join {{ ref('stg_eval__records') }} as r using (eval_id)
),

eval_keys as (
    select
        eval_id,
        md5(sftmart_exact_key(sample_text)) as exact_hash,
        sftmart_minhash_band_keys(
            lower(sample_text), lang,
            {{ sql_literal(checked_var('minhash_num_perm')) }},
            {{ sql_literal(checked_var('minhash_threshold')) }},
            {{ sql_literal(checked_var('minhash_seed')) }}
        ) as band_keys
    from eval_rows
),

exact_matches as (
    select s.sample_id, min(e.eval_id) as eval_id
    from survivors as s
    inner join eval_keys as e using (exact_hash)
    group by s.sample_id
),

eval_bands as (
    select eval_id, unnest(band_keys) as band_key from eval_keys
),

sample_bands as (
    select m.sample_id, unnest(m.band_keys) as band_key
    from {{ ref('int_samples_minhashed') }} as m
    semi join survivors as s using (sample_id)
),

near_matches as (
    select s.sample_id, min(e.eval_id) as eval_id
    from sample_bands as s
    inner join eval_bands as e using (band_key)
    group by s.sample_id
)

select
    s.sample_id,
    s.lang,
    x.eval_id is null and n.eval_id is null as is_kept,
    coalesce(x.eval_id, n.eval_id) as matched_eval_id,
    case when x.eval_id is not null then 'exact' when n.eval_id is not null then 'near' end as match_kind
from survivors as s
left join exact_matches as x using (sample_id)
left join near_matches as n using (sample_id)
