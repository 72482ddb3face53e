-- Token counts of the deduplicated samples under the configured tokenizer (Python UDF).
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
        sftmart_count_tokens(prompt, {{ sql_literal(checked_var('tokenizer')) }}) as n_prompt_tokens,
        sftmart_count_tokens(response, {{ sql_literal(checked_var('tokenizer')) }}) as n_response_tokens
    from deduped
)

select
    *,
    n_prompt_tokens + {{ 'n_response_tokens' if checked_var('count_response_tokens') else '0' }} as n_tokens
from counted
