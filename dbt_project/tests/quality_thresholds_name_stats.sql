-- Every stat the quality_thresholds seed bounds is a field of the quality stats (udfs/text_stats/
-- quality.py), i.e. a column of int_records_quality_scored: a misspelt stat would never be checked.
{% set scored = ref('int_records_quality_scored') %}
select t.lang, t.stat
from {{ ref('quality_thresholds') }} as t
where t.stat in ('sample_id', 'lang', 'quality_score', 'passes_quality', 'drop_reasons', 'drop_reason')
    or t.stat not in (
        select column_name from information_schema.columns
        where table_schema = '{{ scored.schema }}' and table_name = '{{ scored.identifier }}'
    )
