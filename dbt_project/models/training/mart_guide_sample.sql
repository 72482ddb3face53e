{{ config(post_hook="{{ log_mix_shortfall(this, '(' ~ mix_budgets(ref('mart_candidate_pool'),
    checked_var('guide_token_budget'), checked_var('guide_en_ratio'), 'fill') ~ ')') }}") }}
-- The guide model's training sample: a larger, English-heavier ratio sample of the candidate pool
-- (guide_token_budget at guide_en_ratio, the LoBaSS-style setup). Always ratio_policy fill: the guide
-- only scores, no arm is compared on it, and a short language should not cost it the other's data.
-- Per row (macros/guide.sql): its fold, the guide that trains on it (trains_guide; null for a row
-- held out of the one guide) and the guide whose held-out loss it measures (heldout_for_guide): the
-- guide_heldout_rows rows of lowest seeded hash (at most half the sample), or with guide_cross_fit
-- as many of each fold, for the guide of the other fold.
{% set heldout_rows = checked_var('guide_heldout_rows') %}
with budgets as (
    {{ mix_budgets(ref('mart_candidate_pool'), checked_var('guide_token_budget'),
                   checked_var('guide_en_ratio'), 'fill') }}
),

sampled as (
    {{ ratio_sample(ref('mart_candidate_pool'), seed=checked_var('sample_seed'), budgets='budgets') }}
),

folded as (
    select
        *,
        {{ guide_fold('sample_id') }} as guide_fold,
        row_number() over (order by {{ guide_split_hash('sample_id') }}, sample_id) as split_rank,
        row_number() over (
            partition by {{ guide_fold('sample_id') }} order by {{ guide_split_hash('sample_id') }}, sample_id
        ) as fold_rank,
        count(*) over () as n_rows
    from sampled
),

roles as (
    select
        *,
        {%- if checked_var('guide_cross_fit') %}
        fold_rank <= {{ sql_literal(heldout_rows) }} as is_heldout
        {%- else %}
        split_rank <= least({{ sql_literal(heldout_rows) }}, n_rows // 2) as is_heldout
        {%- endif %}
    from folded
)

select
    sample_id, lang, prompt, response, n_prompt_tokens, n_response_tokens, n_tokens, guide_fold,
    {%- if checked_var('guide_cross_fit') %}
    {{ guide_training_on('guide_fold') }} as trains_guide,
    case when is_heldout then {{ guide_scoring('guide_fold') }} end as heldout_for_guide
    {%- else %}
    case when not is_heldout then {{ guide_training_on('guide_fold') }} end as trains_guide,
    case when is_heldout then {{ guide_scoring('guide_fold') }} end as heldout_for_guide
    {%- endif %}
from roles
