-- Language tag and confidence per cleaned, non-empty sample (Python UDF on lingua). Exact
-- duplicates share one detection: they differ at most in case, punctuation and spacing.
with cleaned as (
    select sample_id, exact_hash, sample_text
    from {{ ref('int_records_cleaned') }}
    where not is_empty_after_cleaning
),

distinct_texts as (
    -- detection reads no more than the first 200 characters (udfs.lang.DETECTION_PREFIX_CHARS)
    select exact_hash, arg_min(left(sample_text, 200), sample_id) as sample_text
    from cleaned
    group by exact_hash
),

tagged as (
    select exact_hash, sftmart_detect_lang(sample_text) as detected
    from distinct_texts
)

select
    c.sample_id,
    t.detected.lang,
    t.detected.score as lang_score,
    t.detected.lang in (
        {% for lang in checked_var('keep_languages') -%}
        {{ sql_literal(lang) }}{{ ',' if not loop.last }}
        {% endfor -%}
    ) as is_kept_language
from cleaned as c
inner join tagged as t using (exact_hash)
