{#- Fails with every combination of `columns` that occurs more than once. -#}
{% test dbt_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by all
having count(*) > 1
{% endtest %}
