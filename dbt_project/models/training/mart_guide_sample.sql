{{ config(post_hook="{{ log_mix_shortfall(this, '(' ~ mix_budgets(ref('mart_candidate_pool'),
    checked_var('guide_token_budget'), checked_var('guide_en_ratio'), 'fill') ~ ')') }}") }}
-- The guide model's training sample: a larger, English-heavier ratio sample of the candidate pool
-- (guide_token_budget at guide_en_ratio, the LoBaSS-style setup). Always ratio_policy fill: the guide
-- only scores, no arm is compared on it, and a short language should not cost it the other's data.
with budgets as (
    {{ mix_budgets(ref('mart_candidate_pool'), checked_var('guide_token_budget'),
                   checked_var('guide_en_ratio'), 'fill') }}
),

sampled as (
    {{ ratio_sample(ref('mart_candidate_pool'), seed=checked_var('sample_seed'), budgets='budgets') }}
)

select sample_id, lang, prompt, response, n_prompt_tokens, n_response_tokens, n_tokens
from sampled
