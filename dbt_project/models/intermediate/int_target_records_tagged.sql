-- depends_on: {{ ref('validate_staging') }}
-- Every landed target example cleaned exactly as training and evaluation records are
-- (macros/clean_text.sql's cleaning_ctes), with the training data's Alpaca prompt, sample text,
-- exact key hash (as decontamination computes it), language (sftmart_detect_lang on the first 200
-- characters, the training data's rule) and, when it cannot serve as a target, why.
{% set fields = ['instruction', 'input', 'output'] %}
with staged as (
    select * from {{ ref('stg_target__records') }}
),

{{ cleaning_ctes(fields, 'staged') }},

texts as (
    select
        target_id,
        target_set,
        source_file,
        position,
        {% for f in fields %}
        {{ f }}_cleaned as {{ f }}{{ ',' if not loop.last }}
        {% endfor %}
    from stepped
),

templated as (
    select
        *,
        {{ template_lang('instruction', 'input') }} as template_lang,
        {{ sample_text('instruction', 'input', 'output') }} as sample_text
    from texts
),

tagged as (
    select
        *,
        -- detection reads no more than the first 200 characters (udfs.lang.DETECTION_PREFIX_CHARS)
        sftmart_detect_lang(left(sample_text, 200)) as detected
    from templated
)

select
    target_id,
    target_set,
    source_file,
    position,
    instruction,
    input,
    output,
    sample_text,
    {{ alpaca_prompt('instruction', 'input', 'template_lang') }} as prompt,
    md5(sftmart_exact_key(sample_text)) as exact_hash,
    detected.lang,
    detected.score as lang_score,
    case
        when instruction = '' or output = '' then 'empty_instruction_or_output'
        when detected.lang not in ('en', 'zh') then 'language_not_kept:' || detected.lang
    end as exclusion_reason
from tagged
