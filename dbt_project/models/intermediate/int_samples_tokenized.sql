-- Token counts of the deduplicated samples under the counting tokenizer (counting_tokenizer(): the
-- tokenizer var, or base_model's when it is 'default'; Python UDFs), and whether a sample can train:
-- training tokenises prompt (with the tokenizer's special prefix) + response + eos and drops, never
-- truncates, a sample longer than model_max_length (training/data.py), so such a sample leaves the
-- candidate pool (mart_candidate_pool) with reason too_long_for_training before any mix counts it.
with deduped as (
    select n.sample_id, n.lang, c.prompt, c.output as response
    from {{ ref('int_near_duplicate_components') }} as n
    inner join {{ ref('int_records_cleaned') }} as c using (sample_id)
    where n.is_kept
),

counted as (
    select
        sample_id,
        lang,
        sftmart_count_tokens(prompt, {{ sql_literal(counting_tokenizer()) }}) as n_prompt_tokens,
        sftmart_count_tokens(response, {{ sql_literal(counting_tokenizer()) }}) as n_response_tokens
    from deduped
),

overhead as (
    select sftmart_training_overhead({{ sql_literal(counting_tokenizer()) }}) as n_added_tokens
)

select
    c.*,
    c.n_prompt_tokens + {{ 'c.n_response_tokens' if checked_var('count_response_tokens') else '0' }} as n_tokens,
    c.n_prompt_tokens + c.n_response_tokens + o.n_added_tokens as n_training_tokens,
    c.n_prompt_tokens + c.n_response_tokens + o.n_added_tokens
        <= {{ sql_literal(checked_var('model_max_length')) }} as fits_training
from counted as c
cross join overhead as o
