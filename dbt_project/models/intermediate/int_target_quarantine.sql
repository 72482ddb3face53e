-- depends_on: {{ ref('validate_staging') }}
-- Every target unit that does not reach int_target_records, and why: the landing's rejects
-- (reason codes of sftmart/landing/reasons.py) and landed examples that cannot serve as a target
-- (empty instruction or output, a language other than English or Chinese).
select
    record_id as target_id,
    source_collection as target_set,
    source_file,
    position,
    'landing' as stage,
    'rejected:' || reject_reason_code as reason,
    reject_reason as detail,
    excerpt
from (
    {{ landing_quarantine(ref('target_landing')) }}
) as rejected
union all
select
    target_id,
    target_set,
    source_file,
    position,
    'tagging' as stage,
    exclusion_reason as reason,
    case
        when exclusion_reason like 'language_not_kept:%'
            then 'language tagged ' || lang || ' (confidence ' || round(lang_score, 2) || ')'
                || '; only en and zh targets are used'
        else 'the instruction or the output is empty after trimming'
    end as detail,
    left(sample_text, 200) as excerpt
from {{ ref('int_target_records_tagged') }}
where exclusion_reason is not null
