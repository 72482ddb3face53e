{#- Post-hook of mart_training_mix: says so when a language's pool cannot fill its token share. -#}
{% macro log_mix_shortfall() %}
{% if execute %}
    {%- set budget = var('token_budget') | float -%}
    {%- set en_ratio = var('en_ratio') | float -%}
    {% set rows = run_query(
        "select b.lang, b.lang_budget, coalesce(sum(m.n_tokens), 0) "
        ~ "from (select 'en' as lang, " ~ (budget * en_ratio) ~ " as lang_budget union all select 'zh', "
        ~ (budget * (1 - en_ratio)) ~ ") b left join " ~ this ~ " m using (lang) group by all order by 1"
    ) %}
    {% for lang, lang_budget, got in rows %}
        {% if got < lang_budget %}
            {{ log("WARNING mart_training_mix: '" ~ lang ~ "' ran out of candidates: " ~ got ~ " of "
                   ~ lang_budget | int ~ " budget tokens (ratio kept, budget not filled; see mart_pipeline_funnel)", info=True) }}
        {% endif %}
    {% endfor %}
{% endif %}
{% endmacro %}
