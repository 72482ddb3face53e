{{ config(post_hook="{{ log_mix_shortfall(this, checked_var('token_budget'), checked_var('en_ratio')) }}") }}
-- The ratio-balanced training mix, drawn from the learnable candidates: each language fills its
-- share of token_budget in a seeded random order and stops at the first sample that reaches its
-- share (so it overshoots by at most one sample).
with learnable_pool as (
    {{ curated_pool() }}
),

sampled as (
    {{ ratio_sample('learnable_pool', checked_var('token_budget'), checked_var('en_ratio'),
                    checked_var('sample_seed')) }}
)

select
    sample_id,
    lang,
    prompt,
    response,
    n_prompt_tokens,
    n_response_tokens,
    n_tokens,
    source_collection,
    source_file
from sampled
