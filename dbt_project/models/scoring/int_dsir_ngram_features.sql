-- DSIR's hashed n-gram features (udfs/dsir.py, sftmart_dsir_ngram_buckets: one bucket of 10,000
-- per unigram and bigram occurrence, hashed as the authors' data-selection package hashes them;
-- Chinese Han characters are tokens of their own) of every target example (int_target_records)
-- and every candidate (mart_candidate_pool), per language. The text is the sample text: the
-- non-empty fields joined by newlines. Without a target (target_root empty) nothing is featurised.
{% set has_target = checked_var('target_root') != '' %}
with texts as (
    select 'target' as side, target_id as row_id, lang, sample_text
    from {{ ref('int_target_records') }}
    union all
    select 'pool' as side, sample_id as row_id, lang, {{ sample_text('instruction', 'input', 'output') }} as sample_text
    from {{ ref('mart_candidate_pool') }}
    {%- if not has_target %}
    where false
    {%- endif %}
)

select side, row_id, lang, sftmart_dsir_ngram_buckets(sample_text) as buckets
from texts
