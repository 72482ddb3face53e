{#- Each arm, seed, budget fraction and language stays within its share of the shared budget of
    int_mix_budget (floor(budget_fraction x lang_budget)), counted the arm's way (counted_tokens). -#}
{% test dbt_arms_within_budget(model) %}
with per_arm as (
    select arm, seed, budget_fraction, lang, sum(counted_tokens) as counted
    from {{ model }} group by all
)
select * from per_arm join {{ ref('int_mix_budget') }} using (lang)
where counted > floor(lang_budget * budget_fraction)
{% endtest %}

{#- Every row belongs to an arm of macros/experiment_arms.sql. -#}
{% test dbt_arms_listed(model) %}
select arm, count(*) as n_rows
from {{ model }}
where arm is null or arm not in ('{{ experiment_arms() | join("', '") }}')
group by arm
{% endtest %}
