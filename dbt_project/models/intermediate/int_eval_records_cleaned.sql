-- depends_on: {{ ref('validate_staging') }}
-- Every landed evaluation record cleaned exactly as training records are, with the Alpaca prompt,
-- its language and, when it cannot be evaluated, why (macros/tagged_records.sql;
-- int_eval_records_quarantined lists those). Decontamination compares these cleaned texts with the
-- cleaned training texts, so a copy that differs only in what cleaning rewrites still matches.
{{ config(materialized='table') }}
{{ cleaned_tagged_records(ref('stg_eval__records'),
                          ['eval_id', 'eval_set', 'source_file', 'position', 'options', 'answer_index']) }}
