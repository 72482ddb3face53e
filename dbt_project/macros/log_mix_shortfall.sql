{#- Post-hook of a ratio sample: says so when a language's pool cannot fill its token share, and what
    the ratio policy did about it (a mix within budget_tolerance() of its budget is full). budgets:
    the relation (or parenthesised select) of mix_budgets the sample drew (lang, lang_budget, note). -#}
{% macro log_mix_shortfall(relation, budgets) %}
{% if execute %}
    {% set rows = run_query(
        "select b.lang, b.lang_budget, coalesce(sum(m.n_tokens), 0), b.ratio_policy, b.note from "
        ~ budgets ~ " as b left join " ~ relation ~ " as m using (lang) group by all order by 1") %}
    {% for lang, lang_budget, got, policy, note in rows %}
        {% if note and note.startswith('ratio held') %}
            {{ log("WARNING " ~ relation.identifier ~ ": " ~ note ~ " (see mart_pipeline_funnel)", info=True) }}
        {% elif (got | float) < (lang_budget | float) * (1 - budget_tolerance()) %}
            {{ log("WARNING " ~ relation.identifier ~ ": '" ~ lang ~ "' ran out of candidates that fit: " ~ got
                   ~ " of " ~ lang_budget | int ~ " budget tokens (ratio_policy " ~ policy
                   ~ ": budget not filled, the ratio drifts; see mart_pipeline_funnel)", info=True) }}
        {% endif %}
    {% endfor %}
{% endif %}
{% endmacro %}
