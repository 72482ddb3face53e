{{ config(post_hook="{{ log_mix_shortfall(this, ref('int_mix_budget')) }}") }}
-- The ratio-balanced training mix, drawn from the curated pool (curated_pool()): each language fills
-- its share of the budget in int_mix_budget (token_budget, shrunk under ratio_policy hold so the
-- ratio holds) in a seeded random order, or the recipe's rank seeded among near ranks, and never
-- exceeds it: a sample that would overshoot is skipped for later ones that fit (ratio_sample).
with curated as (
    {{ curated_pool() }}
),

sampled as (
    {{ ratio_sample('curated', seed=checked_var('sample_seed'), budgets=ref('int_mix_budget'),
                    order_by=curated_order_by(), near_rank_band=near_rank_band_share()) }}
)

select
    {{ mix_sample_columns() }},
    source_collection,
    source_file,
    {{ selection_recipe_literal() }} as selection_recipe,
    {{ recipe_fingerprint_literal() }} as recipe_fingerprint
from sampled
