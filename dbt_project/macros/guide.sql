{#- The guide models' names and which rows each trains on, measures and scores (the guide adapter
    node and the scoring read them from mart_guide_sample and mart_guide_scores; nothing else names
    a guide). Every candidate has a fold, 0 or 1, from a seeded hash of its sample_id. One guide
    ('guide') trains on the guide sample and scores every candidate, its own training rows in
    sample; with guide_cross_fit, 'guide-fold<k>' trains on fold k of the guide sample and scores
    the candidates of the other fold, so no row is scored by a guide that trained on it. -#}

{#- The seeded hash that folds the candidates and orders the held-out rows (uint128). -#}
{% macro guide_split_hash(sample_id) -%}
md5_number({{ sql_literal(checked_var('sample_seed') ~ ':') }} || {{ sample_id }})
{%- endmacro %}

{% macro guide_fold(sample_id) -%}
({{ guide_split_hash(sample_id) }} % 2)::integer
{%- endmacro %}

{% macro guide_names() -%}
{{ return(['guide-fold0', 'guide-fold1'] if checked_var('guide_cross_fit') else ['guide']) }}
{%- endmacro %}

{#- The guide that trains on a guide-sample row of fold `fold` (a SQL expression). -#}
{% macro guide_training_on(fold) -%}
{%- if checked_var('guide_cross_fit') -%}'guide-fold' || ({{ fold }})::varchar{%- else -%}'guide'{%- endif -%}
{%- endmacro %}

{#- The guide that scores a candidate of fold `fold`: the other fold's with cross-fitting. -#}
{% macro guide_scoring(fold) -%}
{%- if checked_var('guide_cross_fit') -%}'guide-fold' || (1 - {{ fold }})::varchar{%- else -%}'guide'{%- endif -%}
{%- endmacro %}
