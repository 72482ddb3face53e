{#- Post-hook of a ratio sample: says so when a language's pool cannot fill its token share. -#}
{% macro log_mix_shortfall(relation, token_budget, en_ratio) %}
{% if execute %}
    {% set rows = run_query(
        "select b.lang, b.lang_budget, coalesce(sum(m.n_tokens), 0) from ("
        ~ language_budgets(token_budget, en_ratio) ~ ") b left join " ~ relation
        ~ " m using (lang) group by all order by 1") %}
    {% for lang, lang_budget, got in rows %}
        {% if got < lang_budget %}
            {{ log("WARNING " ~ relation.identifier ~ ": '" ~ lang ~ "' ran out of candidates: " ~ got ~ " of "
                   ~ lang_budget | int ~ " budget tokens (ratio kept, budget not filled; see mart_pipeline_funnel)", info=True) }}
        {% endif %}
    {% endfor %}
{% endif %}
{% endmacro %}
