-- depends_on: {{ ref('validate_raw') }}
-- Every landed evaluation record, trimmed, with the Alpaca prompt, its language (the training
-- data's UDF and rules: sftmart_detect_lang on the first 200 characters of the sample text) and,
-- when it cannot be evaluated, why (stg_eval__quarantine lists those).
{{ config(materialized='table') }}
with landed as (
    select
        record_id as eval_id,
        source_collection as eval_set,
        source_file,
        coalesce(line_number, record_index) as position,
        {{ trim_ends('instruction') }} as instruction,
        {{ trim_ends("coalesce(input, '')") }} as input,
        {{ trim_ends('output') }} as output,
        options,
        answer_index
    from {{ ref('eval_landing') }}
    where status = 'landed'
),

texts as (
    select
        *,
        {{ template_lang('instruction', 'input') }} as template_lang,
        {{ sample_text('instruction', 'input', 'output') }} as sample_text
    from landed
),

tagged as (
    select
        *,
        -- detection reads no more than the first 200 characters (udfs.lang.DETECTION_PREFIX_CHARS)
        sftmart_detect_lang(left(sample_text, 200)) as detected
    from texts
)

select
    eval_id,
    eval_set,
    source_file,
    position,
    instruction,
    input,
    output,
    options,
    answer_index,
    template_lang,
    sample_text,
    {{ alpaca_prompt('instruction', 'input', 'template_lang') }} as prompt,
    detected.lang,
    detected.score as lang_score,
    case
        when instruction = '' or output = '' then 'empty_instruction_or_output'
        when detected.lang not in ('en', 'zh') then 'language_not_kept:' || detected.lang
    end as exclusion_reason
from tagged
