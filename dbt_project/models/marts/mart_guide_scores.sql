-- Every candidate scored under the guide model (the base with the guide LoRA adapter merged in).
{% set guide_model_path = '' %}
{% if execute and var('model_layer') %}
    {% set guide_model_path = run_query("select merged_model_path from " ~ ref('mart_guide_adapter')).columns[0].values()[0] %}
{% else %}
    -- depends on {{ ref('mart_guide_adapter') }}
{% endif %}
{{ lm_scores(ref('mart_candidate_pool'), guide_model_path) }}
