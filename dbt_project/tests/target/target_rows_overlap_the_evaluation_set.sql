{{ config(severity='error') }}
-- A target example that is also an evaluation row (the same exact-dedup key of the cleaned sample text,
-- as evaluation decontamination matches them) would let the held-out score measure memorised target
-- data: the build fails and lists every such pair, where each one is.
with eval_keys as (
    select t.eval_id, t.eval_set, t.source_file, t.position, md5(sftmart_exact_key(t.sample_text)) as exact_hash
    from {{ ref('int_eval_records_cleaned') }} as t
    semi join {{ ref('int_eval_records_filtered') }} as r using (eval_id)
)

select
    g.target_id,
    e.eval_id,
    'target example ' || g.source_file || ' #' || g.position || ' is the same row as evaluation example '
    || e.source_file || ' #' || e.position || ' (eval_set ' || e.eval_set
    || '): remove it from target_root or from eval_root' as problem
from {{ ref('int_target_records') }} as g
inner join eval_keys as e using (exact_hash)
