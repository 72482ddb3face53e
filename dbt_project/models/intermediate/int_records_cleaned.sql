-- Cleaned text fields, the rules that fired on each row, and the exact-dedup key.
with staged as (
    select * from {{ ref('stg_alpaca_cot__records') }}
),

cleaned as (
    select
        sample_id,
        source_collection,
        source_file,
        template_lang,
        {{ clean_text('instruction') }} as instruction,
        {{ clean_text('input') }} as input,
        {{ clean_text('output') }} as output,
        {{ cleaning_rules_fired(['instruction', 'input', 'output']) }} as cleaning_rules,
        instruction as instruction_before,
        input as input_before,
        output as output_before
    from staged
),

with_text as (
    select
        *,
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
    output as response,
    sample_text,
    -- Exact duplicates: same text once lowercased and stripped of everything but letters and digits.
    md5(regexp_replace(lower(sample_text), '[^\p{L}\p{N}]', '', 'g')) as exact_hash,
    instruction = '' or output = '' as is_empty_after_cleaning,
    cleaning_rules,
    instruction <> instruction_before or input <> input_before or output <> output_before as is_changed,
    instruction_before,
    input_before,
    output_before
from with_text
