{{ config(post_hook="{{ log_mix_shortfall() }}") }}
-- The ratio-balanced training mix: each language fills its share of token_budget in a seeded random
-- order, and stops at the first sample that reaches its share (so it overshoots by at most one sample).
{% set budget = var('token_budget') | float %}
{% set en_ratio = var('en_ratio') | float %}
with budgets as (
    select 'en' as lang, {{ budget * en_ratio }} as lang_budget
    union all
    select 'zh', {{ budget * (1 - en_ratio) }}
),

drawn as (
    select
        p.*,
        b.lang_budget,
        sum(p.n_tokens) over (
            partition by p.lang
            order by md5(p.sample_id || ':' || '{{ var("sample_seed") }}'), p.sample_id
            rows between unbounded preceding and current row
        ) as cumulative_tokens
    from {{ ref('mart_candidate_pool') }} as p
    inner join budgets as b using (lang)
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
from drawn
where cumulative_tokens - n_tokens < lang_budget
