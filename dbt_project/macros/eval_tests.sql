{#- Multiple-choice fields hang together: options and answer_index are both null or both set, at
    least two options, and the answer indexes one of them (0-based). -#}
{% test dbt_choices_consistent(model, options='options', answer_index='answer_index') %}
select * from {{ model }}
where ({{ options }} is null) <> ({{ answer_index }} is null)
   or len({{ options }}) < 2
   or {{ answer_index }} < 0
   or {{ answer_index }} >= len({{ options }})
{% endtest %}
