{#- The curated pool the training mix (and the experiment's `curated` arm) draws from: the candidates
    that pass semantic dedup and every filter step of selection_recipe (mart_sample_selection), less
    the rows the order step drops (mart_selection_order.drop_reason, e.g. deita's). Returns the
    candidate pool's columns plus selection_rank (the order step's rank within the language, null
    under a random order) and seed_ranks (a seeded order such as kcenter: the rank from each arm seed). -#}
{% macro curated_pool() -%}
select p.*, o.selection_rank, o.seed_ranks
from {{ ref('mart_candidate_pool') }} as p
inner join {{ ref('mart_sample_selection') }} as s using (sample_id)
left join {{ ref('mart_selection_order') }} as o using (sample_id)
where s.is_selected and o.drop_reason is null
{%- endmacro %}

{#- The order_by the curated pool is drawn in (ratio_sample's): none (its seeded random order) when
    the recipe's order is random, else the order step's rank; with an arm `seed`, a seeded order's
    rank from that seed (seed_ranks, null for an order that is not seeded). -#}
{% macro curated_order_by(seed=none) -%}
{%- set orders = checked_var('selection_recipe') | selectattr('step', 'equalto', 'order') | list -%}
{%- set by = orders[-1].get('by', 'random') if orders else 'random' -%}
{%- if by != 'random' and seed is not none -%}
{{ return('coalesce(p.seed_ranks[' ~ sql_literal(seed) ~ '], p.selection_rank)') }}
{%- endif -%}
{{ return(none if by == 'random' else 'p.selection_rank') }}
{%- endmacro %}
