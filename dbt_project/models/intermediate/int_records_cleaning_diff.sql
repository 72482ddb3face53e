-- Before/after of every field that cleaning changed: one row per (sample, field).
with changed as (
    select * from {{ ref('int_records_cleaned') }}
    where is_changed
)

{% for field in ['instruction', 'input', 'output'] %}
select sample_id, '{{ field }}' as field, cleaning_rules, {{ field }}_before as before_text, {{ field }} as after_text
from changed
where {{ field }}_before <> {{ field }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
