-- Cleaned text fields, the cleaning rules that fired on each row (with the before-text of changed
-- rows), the prompt rebuilt from the cleaned fields, and the exact-dedup key.
{% set fields = ['instruction', 'input', 'output'] %}
with staged as (
    select * from {{ ref('stg_alpaca_cot__records') }}
),

prepared as (
    select
        sample_id,
        source_collection,
        source_file,
        template_lang,
        {% for f in fields %}
        {{ f }} as {{ f }}_before,
        {{ prepare_text(f) }} as {{ f }}_prepared,
        {% endfor %}
        {{ has_literal_newlines('instruction') }} or {{ has_literal_newlines('input') }}
            or {{ has_literal_newlines('output') }} as had_literal_newlines
    from staged
),

flagged as (
    select
        *,
        {% for f in fields %}
        -- one scan decides whether the (slower) chain of cleaning steps is needed at all
        regexp_matches({{ f }}_prepared, '{{ any_cleaning_pattern() }}') as {{ f }}_needs_steps,
        {% endfor %}
    from prepared
),

cleaned as (
    select
        sample_id,
        source_collection,
        source_file,
        template_lang,
        {% for f in fields %}
        trim(case when {{ f }}_needs_steps then {{ apply_cleaning_steps(f ~ '_prepared') }}
                  else {{ f }}_prepared end, ' ' || chr(10)) as {{ f }},
        {{ f }}_before,
        {% endfor %}
        list_concat(
            case when had_literal_newlines then ['literal_newlines'] else [] end,
            case when {% for f in fields %}nfc_normalize({{ f }}_before) <> {{ f }}_before{% if not loop.last %} or {% endif %}{% endfor %}
                 then ['unicode_nfc'] else [] end,
            case when {% for f in fields %}{{ f }}_needs_steps{% if not loop.last %} or {% endif %}{% endfor %}
                 then {{ cleaning_step_rules_fired(['instruction_prepared', 'input_prepared', 'output_prepared']) }}
                 else [] end
        ) as cleaning_rules
    from flagged
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
    is_changed,
    -- the text before cleaning, kept only where cleaning changed something
    case when is_changed then instruction_before end as instruction_before,
    case when is_changed then input_before end as input_before,
    case when is_changed then output_before end as output_before
from with_text
