-- The evaluation records other nodes consume: one row per evaluable record of eval_root (English
-- or Chinese, instruction and reference present), prompt built with the training data's Alpaca
-- template, options and the 0-based answer index for multiple-choice records.
{{ config(materialized='table') }}
select
    eval_id,
    eval_set,
    lang,
    prompt,
    output as response,
    cast(options as varchar[]) as options,
    cast(answer_index as integer) as answer_index
from {{ ref('stg_eval__tagged') }}
where exclusion_reason is null
