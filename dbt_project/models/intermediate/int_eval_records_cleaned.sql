-- depends_on: {{ ref('validate_staging') }}
-- Every landed evaluation record cleaned exactly as training records are (macros/clean_text.sql's
-- cleaning_ctes: literal \n unescaped, NFC, HTML, links, e-mails, control characters, whitespace),
-- with the Alpaca prompt, its language (the training data's UDF and rules: sftmart_detect_lang on
-- the first 200 characters of the sample text) and, when it cannot be evaluated, why
-- (int_eval_records_quarantined lists those). Decontamination compares these cleaned texts with the
-- cleaned training texts, so a copy that differs only in what cleaning rewrites still matches.
{{ config(materialized='table') }}
{% set fields = ['instruction', 'input', 'output'] %}
with staged as (
    select * from {{ ref('stg_eval__records') }}
),

{{ cleaning_ctes(fields, 'staged') }},

texts as (
    select
        eval_id,
        eval_set,
        source_file,
        position,
        {% for f in fields %}
        {{ f }}_cleaned as {{ f }},
        {% endfor %}
        options,
        answer_index,
        {{ template_lang('instruction_cleaned', 'input_cleaned') }} as template_lang,
        {{ sample_text('instruction_cleaned', 'input_cleaned', 'output_cleaned') }} as sample_text
    from stepped
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
