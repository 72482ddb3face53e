{#- The tokenizer every token count uses (budgets, the fits-training check): the `tokenizer` var, or
    when it is 'default' (or empty) the base model's own, so that what a mix counts is what training
    tokenises (check_vars refuses another tokenizer than base_model's while the model layer trains). -#}
{% macro counting_tokenizer() -%}
{%- set tokenizer = checked_var('tokenizer') -%}
{{ return(tokenizer if tokenizer not in ('', 'default') else checked_var('base_model')) }}
{%- endmacro %}
