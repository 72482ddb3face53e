{#- The curated pool the training mix (and the experiment's `curated` arm) draws from: a select over
    the decontaminated candidate pool, today the candidates the learnability filter keeps. The
    selection recipe (issue 12) replaces this body; callers only rely on the candidate pool's
    columns coming back. -#}
{% macro curated_pool() -%}
select p.*
from {{ ref('mart_candidate_pool') }} as p
inner join {{ ref('mart_sample_learnability') }} as l using (sample_id)
where l.is_learnable
{%- endmacro %}
