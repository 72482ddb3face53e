-- Every (near-dedup survivor, evaluation record, rule) match: the training rows that would let a
-- held-out question train. Both sides are cleaned the same way (int_records_cleaned,
-- int_eval_records_cleaned) before any key is taken. Rules (match_kind):
--   exact_record  same exact-dedup key of the whole record (instruction, input, output);
--   question      same normalised question (macros/decontamination.sql: instruction and input,
--                 lowercased, letters and digits only), whatever the answer;
--   options       a multiple-choice record's question and all its options occur in the training
--                 text (normalised the same way), or its option list does, in order, with at most
--                 one label character between options (int_eval_records_keyed);
--   ngram13       the training text (prompt and response) shares an n-gram with the evaluation
--                 prompt or reference: word 13-grams, Chinese character 20-grams
--                 (int_eval_ngrams_hashed, udfs/ngrams.py);
--   near_record   a shared MinHash LSH band key of the whole record under the near-dedup's
--                 settings, which is how near-dedup links two samples.
-- The pool's n-grams are hashed per row and probed against the (small) evaluation n-gram table as
-- they stream: they are never stored. The options rule compares each pool text with each
-- multiple-choice record (a nested-loop join; evaluation sets are small).
{{ config(materialized='table') }}
with survivors as (
    select n.sample_id, n.lang, c.exact_hash, c.sample_text, c.instruction, c.input
    from {{ ref('int_near_duplicate_components') }} as n
    inner join {{ ref('int_records_cleaned') }} as c using (sample_id)
    where n.is_kept
),

eval_keys as (
    select * from {{ ref('int_eval_records_keyed') }}
),

exact_record as (
    select s.sample_id, e.eval_id, e.eval_set, 'exact_record' as match_kind
    from survivors as s
    inner join eval_keys as e using (exact_hash)
),

question as (
    select s.sample_id, e.eval_id, e.eval_set, 'question' as match_kind
    from survivors as s
    inner join eval_keys as e on md5({{ question_key('s.instruction', 's.input') }}) = e.question_hash
),

pool_keys as (
    select sample_id, sftmart_exact_key(sample_text) as text_key from survivors
),

choices as (
    select eval_id, eval_set, question_key, option_keys, option_list_pattern
    from eval_keys
    where option_keys is not null
),

options as (
    select p.sample_id, e.eval_id, e.eval_set, 'options' as match_kind
    from pool_keys as p
    inner join choices as e
        on (
            e.question_key <> ''
            and contains(p.text_key, e.question_key)
            and list_bool_and(list_transform(e.option_keys, lambda k: contains(p.text_key, k)))
        )
        or (e.option_list_pattern is not null and regexp_matches(p.text_key, e.option_list_pattern))
),

pool_ngrams as (
    select sample_id, unnest(sftmart_ngram_hashes(sample_text, lang)) as ngram_hash
    from survivors
),

ngram13 as (
    select distinct p.sample_id, e.eval_id, e.eval_set, 'ngram13' as match_kind
    from pool_ngrams as p
    inner join {{ ref('int_eval_ngrams_hashed') }} as e using (ngram_hash)
),

eval_bands as (
    select eval_id, eval_set, unnest(band_keys) as band_key from eval_keys
),

sample_bands as (
    select m.sample_id, unnest(m.band_keys) as band_key
    from {{ ref('int_samples_minhashed') }} as m
    semi join survivors as s using (sample_id)
),

near_record as (
    select distinct s.sample_id, e.eval_id, e.eval_set, 'near_record' as match_kind
    from sample_bands as s
    inner join eval_bands as e using (band_key)
)

select * from exact_record
union all
select * from question
union all
select * from options
union all
select * from ngram13
union all
select * from near_record
