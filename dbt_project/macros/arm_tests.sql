{#- Each arm, seed and language stays within the shared budget of int_mix_budget, counted the arm's
    way (counted_tokens): exceeding its share by less than one sample. -#}
{% test dbt_arms_within_budget(model) %}
with per_arm as (
    select arm, seed, lang, sum(counted_tokens) as counted, max(counted_tokens) as largest
    from {{ model }} group by all
)
select * from per_arm join {{ ref('int_mix_budget') }} using (lang)
where counted - largest >= lang_budget
{% endtest %}
