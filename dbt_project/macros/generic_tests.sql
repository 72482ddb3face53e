{#- Each language's tokens stay within its share (a ratio sample never exceeds it). -#}
{% test dbt_mix_within_budget(model, token_budget_var='token_budget', en_ratio_var='en_ratio') %}
with per_lang as (
    select lang, sum(n_tokens) as tokens
    from {{ model }} group by lang
), budgets as (
    {{ language_budgets(checked_var(token_budget_var), checked_var(en_ratio_var)) }}
)
select * from per_lang join budgets using (lang)
where tokens > lang_budget
{% endtest %}

{#- Rows out of each stage are the rows into the next, removed = in - out, and the removal reasons
    add up to the rows removed. -#}
{% test dbt_funnel_reconciles(model) %}
select * from (
    select *, lead(rows_in) over (partition by lang order by stage_order) as next_rows_in
    from {{ model }}
)
where rows_removed <> rows_in - rows_out
   or (next_rows_in is not null and next_rows_in <> rows_out)
   or rows_removed <> coalesce(list_sum(map_values(removed_by_reason)), 0)
{% endtest %}

{#- Each drop reason of the selection recipe (`selection`: mart_sample_selection) removes as many
    rows per language at the funnel's `selected` stage as the selection says it dropped. -#}
{% test dbt_selection_reasons_reconcile(model, selection) %}
with funnel as (
    select lang, unnest(map_keys(removed_by_reason)) as drop_reason,
           unnest(map_values(removed_by_reason)) as n_funnel
    from {{ model }}
    where stage = 'selected'
),

dropped as (
    select lang, drop_reason, count(*) as n_selection
    from {{ selection }}
    where not is_selected
    group by all
)

select * from dropped left join funnel using (lang, drop_reason)
where n_funnel is distinct from n_selection
{% endtest %}

{#- A model's key: on every row, and never twice (not_null and unique in one query, one dbt node). -#}
{% test dbt_primary_key(model, column_name) %}
select {{ column_name }} as key_value, count(*) as n_rows
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1
{% endtest %}

{#- The listed columns with their count of failing rows, where that count is not zero; `failure`
    is the SQL condition of a failing row with {c} standing for the column. -#}
{% macro failing_rows_per_column(model, columns, failure) -%}
select column_name, n_failing
from (
    unpivot (
        select {% for c in columns %}count(*) filter (where {{ failure | replace('{c}', c) }}) as {{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
        from {{ model }}
    ) on {{ columns | join(', ') }} into name column_name value n_failing
)
where n_failing > 0
{%- endmacro %}

{#- Every listed column is filled on every row; a failure names each column with nulls. -#}
{% test dbt_not_null_columns(model, columns) %}
{{ failing_rows_per_column(model, columns, '{c} is null') }}
{% endtest %}
