-- The one budget every mix draws (the training mix and every experiment arm), per language: computed
-- once from the curated pool. Under ratio_policy hold a language that cannot fill its share shrinks
-- the budget until the ratio holds; under fill the budget stays and the ratio drifts (see the
-- mix_budgets macro). The note reaches mart_pipeline_funnel and the mix's log.
with curated as (
    {{ curated_pool() }}
),

budget as (
    {{ mix_budgets('curated', checked_var('token_budget'), checked_var('en_ratio'), checked_var('ratio_policy')) }}
)

select * from budget
