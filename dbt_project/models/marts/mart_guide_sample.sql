{{ config(post_hook="{{ log_mix_shortfall(this, checked_var('guide_token_budget'),
                                            checked_var('guide_en_ratio')) }}") }}
-- The guide model's training sample: a larger, English-heavier ratio sample of the candidate pool
-- (guide_token_budget at guide_en_ratio, the LoBaSS-style setup).
with sampled as (
    {{ ratio_sample(ref('mart_candidate_pool'), checked_var('guide_token_budget'), checked_var('guide_en_ratio'),
                    checked_var('sample_seed')) }}
)

select sample_id, lang, prompt, response, n_prompt_tokens, n_response_tokens, n_tokens
from sampled
