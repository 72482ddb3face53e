-- Every candidate to score (int_candidates_score_sampled) scored under a guide model (the base with
-- a guide adapter merged in): the guide of its fold (macros/guide.sql; with guide_cross_fit the
-- guide trained on the other half), with scored_by_guide and guide_in_sample (the guide trained on
-- this row: never with cross-fitting).
-- After the base scores: one scoring pass at a time shares the cores and the score cache.
-- depends_on: {{ ref('mart_base_scores') }}
{% set pool = ref('int_candidates_score_sampled') %}
with scored as (
    {%- if checked_var('model_layer') %}
    {%- for guide in guide_names() %}
    {%- set rows = '(select * from ' ~ pool ~ ' where ' ~ guide_scoring(guide_fold('sample_id')) ~ ' = '
                   ~ sql_literal(guide) ~ ')' %}
    {%- set merged = '(select merged_model_path from ' ~ ref('guide_adapter') ~ ' where guide = '
                     ~ sql_literal(guide) ~ ')' %}
    select *, {{ sql_literal(guide) }} as scored_by_guide
    from ({{ lm_scores(rows, model_path_sql=merged) }})
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- else %}
    select *, null::varchar as scored_by_guide
    from ({{ lm_scores(pool) }})
    {%- endif %}
)

select
    s.*,
    case when s.scored_by_guide is not null then coalesce(g.trains_guide = s.scored_by_guide, false) end
        as guide_in_sample
from scored as s
left join {{ ref('mart_guide_sample') }} as g using (sample_id)
