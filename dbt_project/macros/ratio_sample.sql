{#- Token budget per language: en gets budget * en_ratio, zh the rest. -#}
{% macro language_budgets(token_budget, en_ratio) -%}
select 'en' as lang, {{ sql_literal(token_budget * en_ratio) }} as lang_budget
union all
select 'zh', {{ sql_literal(token_budget * (1 - en_ratio)) }}
{%- endmacro %}

{#- A ratio-balanced sample of `pool` (a relation with sample_id, lang, n_tokens): each language fills
    its share of the budget in order and stops at the first sample that reaches the share, so a
    share is exceeded by at most one sample. The order is `order_by` (a SQL expression over the
    pool's columns, e.g. 'n_response_tokens desc'), by default a seeded random one (md5 of
    sample_id and seed); ties break on sample_id. Returns the pool's columns. -#}
{% macro ratio_sample(pool, token_budget, en_ratio, seed, order_by=none) -%}
with budgets as (
    {{ language_budgets(token_budget, en_ratio) }}
),

drawn as (
    select
        p.*,
        b.lang_budget,
        sum(p.n_tokens) over (
            partition by p.lang
            order by {{ order_by if order_by is not none else "md5(p.sample_id || ':' || " ~ sql_literal(seed | string) ~ ")" }}, p.sample_id
            rows between unbounded preceding and current row
        ) as cumulative_tokens
    from {{ pool }} as p
    inner join budgets as b using (lang)
)

select * exclude (lang_budget, cumulative_tokens)
from drawn
where cumulative_tokens - n_tokens < lang_budget
{%- endmacro %}
