-- Every (near-dedup survivor, evaluation record, rule) match: the training rows that would let a
-- held-out question train. Both sides are cleaned the same way (int_records_cleaned,
-- int_eval_records_cleaned) before any key is taken. Rules (match_kind):
--   exact_record  same exact-dedup key of the whole record (instruction, input, output);
--   question      same normalised question (macros/decontamination.sql: instruction and input,
--                 lowercased, letters and digits only), whatever the answer;
--   options       a multiple-choice record's question and all its options occur in the training
--                 text (normalised the same way), or its option list does, in order, with at most
--                 one label character between options (int_eval_records_keyed); the options'
--                 rarest word must occur as a whole word (each CJK character is a word);
--   ngram13       the training text (prompt and response) shares an n-gram with the evaluation
--                 prompt or reference: word 13-grams, Chinese character 20-grams
--                 (int_eval_ngrams_hashed, udfs/ngrams.py);
--   near_record   a shared MinHash LSH band key of the whole record under the near-dedup's
--                 settings, which is how near-dedup links two samples.
-- The pool's n-grams are hashed per row and probed against the (small) evaluation n-gram table as
-- they stream: they are never stored. The options rule first finds, per multiple-choice record,
-- the pool rows holding its option token that the fewest rows hold (sftmart_token_hashes: every
-- option is in a matching text, so each of its tokens is), and compares only those texts.
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

choices as (
    select eval_id, eval_set, question_key, option_keys, option_list_pattern, option_token_hashes
    from eval_keys
    where option_keys is not null
),

choice_tokens as (
    select distinct unnest(option_token_hashes) as token_hash from choices
),

pool_choice_tokens as materialized (
    -- the pool's tokens that occur in some option (streamed through the semi join, not stored)
    select p.sample_id, p.token_hash
    from (select sample_id, unnest(sftmart_token_hashes(sample_text)) as token_hash from survivors) as p
    semi join choice_tokens as t using (token_hash)
),

anchors as (
    -- per multiple-choice record, its option token in the fewest pool rows: every row the rule
    -- can match has it, so only those rows are compared with the record's texts
    select c.eval_id, arg_min(t.token_hash, t.n_rows) as token_hash
    from (select eval_id, unnest(option_token_hashes) as token_hash from choices) as c
    inner join (select token_hash, count(*) as n_rows from pool_choice_tokens group by all) as t using (token_hash)
    group by c.eval_id
),

candidate_pairs as (
    select p.sample_id, a.eval_id
    from anchors as a
    inner join pool_choice_tokens as p using (token_hash)
),

option_candidates as (
    select k.sample_id, c.*, k.text_key
    from (
        select sample_id, sftmart_exact_key(sample_text) as text_key
        from survivors
        semi join candidate_pairs using (sample_id)
    ) as k
    inner join candidate_pairs as p using (sample_id)
    inner join choices as c using (eval_id)
),

options as (
    select sample_id, eval_id, eval_set, 'options' as match_kind
    from option_candidates
    where (
        question_key <> ''
        and contains(text_key, question_key)
        and list_bool_and(list_transform(option_keys, lambda k: contains(text_key, k)))
    )
    or (option_list_pattern is not null and regexp_matches(text_key, option_list_pattern))
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
