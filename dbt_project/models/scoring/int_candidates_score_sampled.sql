-- The candidates the model layer scores (base and guide scoring): every candidate of the pool, or
-- with score_sample_rows a seeded sample of that many (lowest hash of sample_seed and sample_id, so
-- the pool's language shares hold; model layer on); the curated mix is selected from them, and the other
-- candidates leave with not_scored:outside_score_sample (mart_sample_selection).
{% set rows = checked_var('score_sample_rows') %}
select *
from {{ ref('mart_candidate_pool') }}
{%- if rows is not none and checked_var('model_layer') %}
qualify row_number() over (
    order by md5_number({{ sql_literal('score-sample:' ~ checked_var('sample_seed') ~ ':') }} || sample_id), sample_id
) <= {{ sql_literal(rows) }}
{%- endif %}
