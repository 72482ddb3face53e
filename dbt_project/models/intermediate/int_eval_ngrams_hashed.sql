-- The held-out side of the n-gram rule (int_samples_eval_matched): one row per distinct
-- (evaluation record or target example, n-gram hash) of its prompt (instruction and input) and of its reference,
-- cleaned. N-grams are word 13-grams, the rule of GPT-3 and lm-evaluation-harness, and for Chinese
-- records character 20-grams (a Chinese word is ~1.5 characters, so 20 characters span about 13
-- words; udfs/ngrams.py says why not 13); texts shorter than that have none (the question rule
-- covers short questions). Evaluation sets are small, so this table is the join's build side.
{{ config(materialized='table') }}
with records as (
    select eval_id, eval_set, lang, instruction, input, output
    from {{ ref('int_heldout_records_unioned') }}
),

texts as (
    select eval_id, eval_set, lang, concat_ws(chr(10), instruction, nullif(input, '')) as text from records
    union all
    select eval_id, eval_set, lang, output as text from records
)

select distinct
    eval_id,
    eval_set,
    unnest(sftmart_ngram_hashes(text, lang)) as ngram_hash
from texts
