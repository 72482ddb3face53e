{#- Staged records (instruction, input, output) cleaned exactly as training records are
    (cleaning_ctes: literal \n unescaped, NFC, HTML, links, e-mails, control characters, whitespace),
    with the Alpaca prompt, the sample text, the language (the training data's UDF and rule:
    sftmart_detect_lang on the first 200 characters, udfs.lang.DETECTION_PREFIX_CHARS) and, when a
    record cannot be used, why: the evaluation records and the target examples both go through it.
    `keys`: the columns carried through before the texts. -#}
{% macro cleaned_tagged_records(staged, keys) -%}
{%- set fields = ['instruction', 'input', 'output'] %}
with staged as (
    select * from {{ staged }}
),

{{ cleaning_ctes(fields, 'staged') }},

texts as (
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {%- for f in fields %}
        {{ f }}_cleaned as {{ f }},
        {%- endfor %}
        {{ template_lang('instruction_cleaned', 'input_cleaned') }} as template_lang,
        {{ sample_text('instruction_cleaned', 'input_cleaned', 'output_cleaned') }} as sample_text
    from stepped
),

tagged as (
    select
        *,
        sftmart_detect_lang(left(sample_text, 200)) as detected
    from texts
)

select
    * exclude (detected),
    {{ alpaca_prompt('instruction', 'input', 'template_lang') }} as prompt,
    detected.lang,
    detected.score as lang_score,
    case
        when instruction = '' or output = '' then 'empty_instruction_or_output'
        when detected.lang not in ('en', 'zh') then 'language_not_kept:' || detected.lang
    end as exclusion_reason
from tagged
{%- endmacro %}
