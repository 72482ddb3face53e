{#- Keys that evaluation decontamination compares on both sides (int_eval_records_keyed for the
    evaluation records, int_samples_eval_matched for the training pool), defined once. -#}

{#- The normalised question: instruction and input, cleaned, lowercased, only letters and digits
    kept (the exact-dedup key, udfs/text_stats/exact_key.py). -#}
{% macro question_key(instruction, input) -%}
sftmart_exact_key(concat_ws(chr(10), {{ instruction }}, {{ input }}))
{%- endmacro %}

{#- The order in which the rules name a match when several match one training row. -#}
{% macro decontamination_rules() -%}
{{ return(['exact_record', 'question', 'options', 'ngram13', 'near_record']) }}
{%- endmacro %}
