-- One row per held-out record (int_heldout_records_unioned: evaluation records and target examples)
-- with every key decontamination compares the training
-- pool against (int_samples_eval_matched):
--   exact_hash    the whole record's exact-dedup key (md5), as int_records_cleaned computes it;
--   question_key  the normalised question (macros/decontamination.sql: instruction and input,
--                 cleaned, lowercased, letters and digits only); question_hash its md5;
--   band_keys     MinHash LSH band keys under the near-dedup's settings;
--   option_keys   multiple-choice options, each normalised like the question (null when none);
--   option_token_hashes  the options' word hashes (sftmart_token_hashes), to find candidate rows;
--   option_list_pattern  the options in order, with at most one label character (a letter or
--                 digit: "(B)", "2.") between two of them, as an RE2 pattern over a normalised
--                 text; null when there are no options or when the options together are shorter
--                 than min_option_list_bytes of UTF-8 (about 16 Latin letters or 6 Chinese
--                 characters): a bare list such as "13 14 15 16" is in too many unrelated texts.
{{ config(materialized='table') }}
{% set min_option_list_bytes = 16 %}
with records as (
    select eval_id, eval_set, lang, instruction, input, sample_text, options
    from {{ ref('int_heldout_records_unioned') }}
),

keyed as (
    select
        *,
        {{ question_key('instruction', 'input') }} as question_key,
        list_filter(list_transform(options, lambda o: sftmart_exact_key(o)), lambda k: k <> '') as option_keys
    from records
)

select
    eval_id,
    eval_set,
    lang,
    md5(sftmart_exact_key(sample_text)) as exact_hash,
    question_key,
    case when question_key <> '' then md5(question_key) end as question_hash,
    sftmart_minhash_band_keys(
        lower(sample_text), lang,
        {{ sql_literal(checked_var('minhash_num_perm')) }},
        {{ sql_literal(checked_var('minhash_threshold')) }},
        {{ sql_literal(checked_var('minhash_seed')) }}
    ) as band_keys,
    case when len(option_keys) > 0 then option_keys end as option_keys,
    case when len(option_keys) > 0 then sftmart_token_hashes(array_to_string(options, chr(10))) end
        as option_token_hashes,
    case when strlen(array_to_string(option_keys, '')) >= {{ min_option_list_bytes }}
        then array_to_string(option_keys, '[a-z0-9]?') end as option_list_pattern
from keyed
