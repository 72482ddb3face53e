-- Every candidate scored under the guide model (the base with the guide adapter merged in).
-- After the base scores: one scoring pass at a time shares the cores and the score cache.
-- depends_on: {{ ref('mart_base_scores') }}
{#- The merged model's path is a result of mart_guide_adapter, so it is only known when running. -#}
{% set guide_model_path = '<merged guide model, from mart_guide_adapter at run time>' %}
{% if execute and checked_var('model_layer') and flags.WHICH in ('run', 'build') %}
    {% set guide_model_path = run_query("select merged_model_path from " ~ ref('mart_guide_adapter')).columns[0].values()[0] %}
{% else %}
    -- depends on {{ ref('mart_guide_adapter') }}
{% endif %}
{{ lm_scores(ref('mart_candidate_pool'), guide_model_path) }}
