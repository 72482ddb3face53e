-- depends_on: {{ ref('validate_staging') }}
-- Every landed target example cleaned exactly as training and evaluation records are, with the
-- training data's Alpaca prompt, sample text, language and, when it cannot serve as a target, why
-- (macros/tagged_records.sql), and its exact key hash (as decontamination computes it).
with tagged as (
    {{ cleaned_tagged_records(ref('stg_target__records'), ['target_id', 'target_set', 'source_file', 'position']) }}
)

select
    *,
    md5(sftmart_exact_key(sample_text)) as exact_hash
from tagged
