-- depends_on: {{ ref('validate_raw') }}
-- Typed, trimmed records with the Alpaca prompt built; response = output.
with records as (
    select * from {{ ref('alpaca_cot_records') }}
),

trimmed as (
    select
        record_id as sample_id,
        source_collection,
        source_file,
        record_index,
        {{ trim_ends('instruction') }} as instruction,
        {{ trim_ends("coalesce(input, '')") }} as input,
        {{ trim_ends('output') }} as output,
        meta,
        content_hash
    from records
),

templated as (
    select
        *,
        {{ template_lang('instruction', 'input') }} as template_lang
    from trimmed
)

select
    *,
    {{ alpaca_prompt('instruction', 'input', 'template_lang') }} as prompt,
    output as response
from templated
