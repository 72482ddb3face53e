{#- The selection recipe (var selection_recipe) as canonical JSON, keys sorted, and its fingerprint
    (md5 of that JSON) as SQL literals: recorded with the training mix and with every training run of
    a curated mix (marts.training_runs), so a result can be traced to the recipe that chose its data. -#}
{% macro selection_recipe_literal() -%}
{{ sql_literal(tojson(checked_var('selection_recipe'), sort_keys=True)) }}
{%- endmacro %}

{% macro recipe_fingerprint_literal() -%}
{{ sql_literal(local_md5(tojson(checked_var('selection_recipe'), sort_keys=True))) }}
{%- endmacro %}
