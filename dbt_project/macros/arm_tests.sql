{#- Each arm, seed and language stays within the shared budget of int_mix_budget, counted the arm's
    way (counted_tokens): never over its share. -#}
{% test dbt_arms_within_budget(model) %}
with per_arm as (
    select arm, seed, lang, sum(counted_tokens) as counted
    from {{ model }} group by all
)
select * from per_arm join {{ ref('int_mix_budget') }} using (lang)
where counted > lang_budget
{% endtest %}

{#- Every row belongs to an arm of macros/experiment_arms.sql. -#}
{% test dbt_arms_listed(model) %}
select arm, count(*) as n_rows
from {{ model }}
where arm is null or arm not in ('{{ experiment_arms() | join("', '") }}')
group by arm
{% endtest %}
