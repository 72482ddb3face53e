{#- Which mixes are drawn toward the target examples (target_root), so that the target's provenance
    (int_target_provenance) is recorded with them (mart_mix_target_provenance, training_runs) and the
    report shows where they came from: the experiment arms that need a target (needs_target in
    macros/experiment_arms.sql), and the training mix when its selection recipe orders by a
    target-aware signal. -#}
{% macro target_arms() -%}
{%- set found = [] -%}
{%- for arm, spec in experiment_arms().items() if spec.get('needs_target') -%}
    {%- do found.append(arm) -%}
{%- endfor -%}
{{ return(found) }}
{%- endmacro %}

{#- SQL: true when the arm name `arm` (an SQL expression) draws toward the target. -#}
{% macro is_target_arm(arm) -%}
{{ arm }} in ('{{ target_arms() | join("', '") }}')
{%- endmacro %}

{% macro target_orders() -%}
{{ return(['dsir', 'target_similarity']) }}
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
