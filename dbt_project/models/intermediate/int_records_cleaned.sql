-- depends_on: {{ ref('validate_staging') }}
-- Cleaned text fields, the cleaning rules that fired on each row, the prompt rebuilt from the
-- cleaned fields, and the exact-dedup key.
{% set fields = ['instruction', 'input', 'output'] %}
with staged as (
    select * from {{ ref('int_records_trimmed') }}
),

{{ cleaning_ctes(fields, 'staged') }},

cleaned as (
    select
        sample_id,
        source_collection,
        source_file,
        template_lang,
        {% for f in fields %}
        {{ f }}_cleaned as {{ f }},
        {{ f }}_before,
        {% endfor %}
        list_concat(
            case when had_literal_newlines then ['literal_newlines'] else [] end,
            -- unescaping newlines is NFC-neutral, so this is "NFC changed the raw text"
            case when (
                {% for f in fields -%}
                {{ f }}_prepared <> {{ f }}_unescaped{{ ' or' if not loop.last }}
                {% endfor -%}
            ) then ['unicode_nfc'] else [] end,
            case when (
                {% for f in fields -%}
                {{ f }}_needs_steps{{ ' or' if not loop.last }}
                {% endfor -%}
            ) then {{ cleaning_step_rules_fired(['instruction_prepared', 'input_prepared', 'output_prepared']) }}
            else [] end
        ) as cleaning_rules
    from stepped
),

with_text as (
    select
        *,
        instruction <> instruction_before or input <> input_before or output <> output_before as is_changed,
        {{ sample_text('instruction', 'input', 'output') }} as sample_text
    from cleaned
)

select
    sample_id,
    source_collection,
    source_file,
    template_lang,
    instruction,
    input,
    output,
    {{ alpaca_prompt('instruction', 'input', 'template_lang') }} as prompt,
    sample_text,
    -- Exact duplicates: same text once lowercased and stripped of everything but letters and digits.
    md5(sftmart_exact_key(sample_text)) as exact_hash,
    instruction = '' or output = '' as is_empty_after_cleaning,
    cleaning_rules,
    -- the text before cleaning is int_records_trimmed's (int_records_cleaning_diff shows both)
    is_changed
from with_text
