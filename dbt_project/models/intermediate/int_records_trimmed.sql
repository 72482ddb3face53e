-- depends_on: {{ ref('validate_staging') }}
-- Staged records with spaces trimmed from both ends of each field, and the language of the
-- prompt template: 'zh' when the instruction or input has Han characters, else 'en'. The
-- cleaning (int_records_cleaned) starts from these fields and int_records_cleaning_diff shows
-- them as the before-text.
{{ config(materialized='view') }}
with trimmed as (
    select
        sample_id,
        source_collection,
        source_file,
        record_index,
        {{ trim_ends('instruction') }} as instruction,
        {{ trim_ends('input') }} as input,
        {{ trim_ends('output') }} as output
    from {{ ref('stg_alpaca_cot__records') }}
)

select
    *,
    {{ template_lang('instruction', 'input') }} as template_lang
from trimmed
