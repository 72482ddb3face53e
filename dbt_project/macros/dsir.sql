{#- DSIR (Xie et al. 2023): the constants and the seeded draw the int_dsir_* models share. -#}

{#- Added to both bag-of-n-gram probabilities before the log, as the authors' package does
    (data_selection.hashed_ngram_dsir: log(p_target + 1e-8) - log(p_raw + 1e-8)). -#}
{% macro dsir_smoothing() -%}
1e-8
{%- endmacro %}

{#- A standard Gumbel variate per row, seeded: -ln(-ln(u)) with u in (0, 1) from the top 53 bits of
    md5(id:seed). Adding it to the log importance weight and taking the largest keys draws rows
    without replacement with probability proportional to the weight (Gumbel top-k). -#}
{% macro seeded_gumbel(id, seed) -%}
-ln(-ln(((md5_number({{ id }} || ':' || {{ sql_literal(seed | string) }}) >> 75)::double + 0.5) / 9007199254740992.0))
{%- endmacro %}
