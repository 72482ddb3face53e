-- Language tag and confidence per cleaned, non-empty sample (Python UDF on lingua).
with cleaned as (
    select sample_id, sample_text
    from {{ ref('int_records_cleaned') }}
    where not is_empty_after_cleaning
),

tagged as (
    select sample_id, sftmart_detect_lang(sample_text) as detected
    from cleaned
)

select
    sample_id,
    detected.lang as lang,
    detected.score as lang_score,
    detected.lang in ({{ "'" ~ var('keep_languages') | join("', '") ~ "'" }}) as is_kept_language
from tagged
