-- DSIR's two bag-of-n-gram models per language: how often each hash bucket occurs over the target
-- examples (side 'target') and over the candidate pool (side 'pool'), and its probability (the
-- count over the side's total for the language).
with occurrences as (
    select side, lang, unnest(buckets) as bucket
    from {{ ref('int_dsir_ngram_features') }}
),

counts as (
    select side, lang, bucket, count(*) as n_ngrams
    from occurrences
    group by all
)

select
    side,
    lang,
    bucket,
    n_ngrams,
    n_ngrams / sum(n_ngrams) over (partition by side, lang) as probability
from counts
