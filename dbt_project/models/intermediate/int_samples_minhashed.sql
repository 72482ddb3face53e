-- MinHash LSH band keys (datasketch-compatible signatures) for the exact-dedup survivors.
with survivors as (
    select e.sample_id, e.lang, e.quality_score, lower(c.sample_text) as text
    from {{ ref('int_samples_exact_deduped') }} as e
    inner join {{ ref('int_records_cleaned') }} as c using (sample_id)
    where e.is_kept
)

select
    sample_id,
    lang,
    quality_score,
    sftmart_minhash_band_keys(
        text, lang,
        {{ sql_literal(checked_var('minhash_num_perm')) }},
        {{ sql_literal(checked_var('minhash_threshold')) }},
        {{ sql_literal(checked_var('minhash_seed')) }}
    ) as band_keys
from survivors
