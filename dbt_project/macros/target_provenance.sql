{#- Which mixes are drawn toward the target examples (target_root), so that the target's provenance
    (int_target_provenance) is recorded with them (mart_mix_target_provenance, training_runs) and the
    report shows where they came from. By name: every experiment arm named target_* draws toward the
    target (target_dsir; further target-aware arms take the same prefix), and the training mix does
    when its selection recipe orders by a target-aware signal. -#}
{% macro target_arm_prefix() -%}
target_
{%- endmacro %}

{% macro is_target_arm(arm) -%}
starts_with({{ arm }}, {{ sql_literal(target_arm_prefix()) }})
{%- endmacro %}

{% macro target_orders() -%}
{{ return(['dsir']) }}
{%- endmacro %}

{#- true when an `order` step of selection_recipe orders by a target-aware signal. -#}
{% macro recipe_uses_target() -%}
{%- set found = [] -%}
{%- for step in checked_var('selection_recipe') -%}
    {%- if step.get('step') == 'order' and (step.get('by', '') | string).split(' ')[0] in target_orders() -%}
        {%- do found.append(step) -%}
    {%- endif -%}
{%- endfor -%}
{{ return(found | length > 0) }}
{%- endmacro %}
