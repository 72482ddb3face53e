-- What the guide learned: entropy and loss under base and guide per candidate, and the verdict of
-- the learnability rule (entropy_drop: keep H_guide < H_base; top_fraction: keep the highest
-- relative loss drops per language), with optional base-perplexity bounds per language; which guide
-- scored the row and whether it trained on it (guide_in_sample: never with guide_cross_fit).
{% set bounds = checked_var('perplexity_bounds') %}
with scores as (
    select
        b.sample_id,
        b.lang,
        b.n_tokens as n_scored_tokens,
        b.mean_entropy as h_base,
        g.mean_entropy as h_guide,
        b.mean_entropy - g.mean_entropy as entropy_delta,
        b.mean_nll as loss_base,
        g.mean_nll as loss_guide,
        (b.mean_nll - g.mean_nll) / nullif(b.mean_nll, 0) as relative_loss_drop,
        b.perplexity as perplexity_base,
        g.scored_by_guide,
        g.guide_in_sample
    from {{ ref('mart_base_scores') }} as b
    inner join {{ ref('mart_guide_scores') }} as g using (sample_id)
),

ranked as (
    select *, percent_rank() over (partition by lang order by relative_loss_drop desc nulls last) as loss_drop_rank
    from scores
),

judged as (
    select
        *,
        case
            when not {{ sql_literal(checked_var('model_layer')) }} then null
            when h_base is null or h_guide is null then 'learnability:not_scored'
            {% for lang, (low, high) in bounds.items() %}
            when lang = {{ sql_literal(lang) }} and not perplexity_base between {{ sql_literal(low) }} and {{ sql_literal(high) }} then 'learnability:perplexity_out_of_bounds'
            {% endfor %}
            {% if checked_var('learnability_rule') == 'top_fraction' %}
            when loss_drop_rank >= {{ sql_literal(checked_var('learnability_top_fraction')) }} then 'learnability:below_top_fraction'
            {% elif checked_var('learnability_rule') == 'entropy_drop' %}
            when not entropy_delta > 0 then 'learnability:no_entropy_drop'
            {% endif %}
        end as drop_reason
    from ranked
)

select * exclude (loss_drop_rank), drop_reason is null as is_learnable
from judged
