-- The evaluation records other nodes consume: one row per evaluable record of eval_root (English
-- or Chinese, instruction and reference present after cleaning), prompt built from the cleaned
-- fields with the training data's Alpaca template, options and the 0-based answer index for
-- multiple-choice records.
{{ config(materialized='table') }}
select
    eval_id,
    eval_set,
    lang,
    prompt,
    output as response,
    options,
    answer_index
from {{ ref('int_eval_records_cleaned') }}
where exclusion_reason is null
