-- depends_on: {{ ref('validate_staging') }}
-- Every evaluation unit that does not reach int_eval_records_filtered, and why: the landing's rejects
-- (reason codes of sftmart/landing/reasons.py) and landed records that cannot be evaluated
-- (empty instruction or reference, a language other than English or Chinese).
select
    record_id as eval_id,
    source_collection as eval_set,
    source_file,
    position,
    'landing' as stage,
    'rejected:' || reject_reason_code as reason,
    reject_reason as detail,
    excerpt
from (
    {{ landing_quarantine(ref('eval_landing')) }}
) as rejected
union all
select
    eval_id,
    eval_set,
    source_file,
    position,
    'cleaned' as stage,
    exclusion_reason as reason,
    case
        when lang is not null and exclusion_reason like 'language_not_kept:%'
            then 'language tagged ' || lang || ' (confidence ' || round(lang_score, 2) || ')'
                || '; only en and zh are evaluated'
        else 'the instruction or the reference is empty after cleaning'
    end as detail,
    left(sample_text, 200) as excerpt
from {{ ref('int_eval_records_cleaned') }}
where exclusion_reason is not null
