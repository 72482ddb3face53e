{#- The quarantine rows of a landing table (alpaca_cot_landing, eval_landing): every record or file
    that could not be landed, with where it was and why. -#}
{% macro landing_quarantine(landing) -%}
select
    record_id,
    source_collection,
    source_file,
    coalesce(line_number, record_index) as position,
    case
        when line_number is not null then 'line'
        when record_index is not null then 'index'
    end as position_kind,
    reject_reason_code,
    reject_reason,
    excerpt,
    file_sha256,
    loaded_at
from {{ landing }}
where status = 'rejected'
{%- endmacro %}
