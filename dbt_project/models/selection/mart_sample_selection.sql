-- The selection recipe (var selection_recipe) applied to every candidate: candidates the model layer
-- did not score go first (not_scored:outside_score_sample, var score_sample_rows), semantic
-- duplicates next (semantic_duplicate), then each filter step in the recipe's order; the first step that fails
-- gives drop_reason ('recipe:<step>_out_of_range', 'recipe:<step>_not_scored', or the learnability
-- rule's own reason). Steps: learnability (mart_sample_learnability), ifd [min, max]
-- (mart_base_scores.ifd), perplexity [min, max] (base perplexity), quality [min, max]
-- (mart_quality_scores.quality_score). The order step is mart_selection_order's.
{% set columns = {'ifd': 'ifd', 'perplexity': 'perplexity_base', 'quality': 'model_quality_score'} %}
with signals as (
    select
        p.sample_id,
        p.lang,
        p.n_tokens,
        p.quality_score,
        l.is_learnable,
        l.drop_reason as learnability_drop_reason,
        l.relative_loss_drop,
        l.entropy_delta,
        b.perplexity as perplexity_base,
        b.ifd,
        q.quality_score as model_quality_score,
        coalesce(d.is_kept, true) as is_semantic_kept,
        s.sample_id is not null as is_score_sampled
    from {{ ref('mart_candidate_pool') }} as p
    left join {{ ref('int_candidates_score_sampled') }} as s using (sample_id)
    left join {{ ref('mart_sample_learnability') }} as l using (sample_id)
    left join {{ ref('mart_base_scores') }} as b using (sample_id)
    left join {{ ref('mart_quality_scores') }} as q using (sample_id)
    left join {{ ref('int_samples_semantic_deduped') }} as d using (sample_id)
),

judged as (
    select
        *,
        case
            when not is_score_sampled then 'not_scored:outside_score_sample'
            when not is_semantic_kept then 'semantic_duplicate'
            {%- for step in checked_var('selection_recipe') %}
            {%- if step.step == 'learnability' %}
            when not coalesce(is_learnable, false) then coalesce(learnability_drop_reason, 'learnability:not_scored')
            {%- elif step.step in columns %}
            when {{ columns[step.step] }} is null then {{ sql_literal('recipe:' ~ step.step ~ '_not_scored') }}
            {%- if step.get('min') is not none %}
            when {{ columns[step.step] }} < {{ sql_literal(step['min']) }} then {{ sql_literal('recipe:' ~ step.step ~ '_out_of_range') }}
            {%- endif %}
            {%- if step.get('max') is not none %}
            when {{ columns[step.step] }} > {{ sql_literal(step['max']) }} then {{ sql_literal('recipe:' ~ step.step ~ '_out_of_range') }}
            {%- endif %}
            {%- endif %}
            {%- endfor %}
        end as drop_reason
    from signals
)

select *, drop_reason is null as is_selected
from judged
