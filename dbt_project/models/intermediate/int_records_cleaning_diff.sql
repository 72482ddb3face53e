-- Before/after of every field that cleaning changed: one row per (sample, field). The before-text
-- is the trimmed field (int_records_trimmed), which the cleaned table does not copy.
with changed as (
    select c.*, s.instruction as instruction_before, s.input as input_before, s.output as output_before
    from {{ ref('int_records_cleaned') }} as c
    inner join {{ ref('int_records_trimmed') }} as s using (sample_id)
    where c.is_changed
)

{% for field in ['instruction', 'input', 'output'] %}
select sample_id, '{{ field }}' as field, cleaning_rules, {{ field }}_before as before_text, {{ field }} as after_text
from changed
where {{ field }}_before <> {{ field }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
