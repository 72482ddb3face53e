-- The experiment's arms (var arms, each drawn once per arm_seeds seed, random random_draws times; listed in
-- macros/experiment_arms.sql, one branch each below): every arm draws the budget of
-- int_mix_budget (the training mix's, shrunk under ratio_policy hold so the ratio holds) at en_ratio
-- from the same decontaminated candidate pool, so arms differ only in which samples they pick:
--   curated  the training mix's sampler over curated_pool() in its order (curated_order_by(); a
--            random order seeded by the arm seed, or the selection recipe's rank, drawn seeded among
--            near ranks: ratio_sample's near_rank_band, so the seed changes the draw; kcenter's
--            rank is K-Center's from the arm seed's start, mart_selection_order.seed_ranks);
--   random   the ratio sampler over the whole candidate pool (no model filter);
--   length   the longest responses first (seeded among near ranks as curated is; the strong simple
--            baseline of "Long Is More for Alignment", Zhao et al. 2024);
--   kit      the FT-Data-Ranker kit's sampler: random order over the whole pool, but the budget is
--            counted in prompt tokens only, so it trains on more real tokens than the budget says;
--   target_dsir  DSIR toward target_root over the whole pool: the largest log importance weights
--            plus a Gumbel variate seeded by the arm seed (int_dsir_pool_weights), drawn seeded
--            among near ranks as curated is (DSIR's weights lie nats apart, so the Gumbel keys alone
--            barely move with the seed).
--   target_embed  embedding similarity toward target_root over the whole pool (RDS+-style): the
--            largest mean cosines to the target_similarity_k nearest target examples first
--            (mart_target_similarity), drawn seeded among near ranks as curated is; a language
--            without target examples in a random order seeded by the arm seed.
-- No mix exceeds its budget and every fill ends within a few tokens of it (ratio_sample), so arms
-- counted the same way train on the same tokens per language within 2%. Each (arm, seed) is drawn
-- once per share of the budget in arm_budget_fractions (budget_fraction: floor(share x lang_budget)
-- per language), each draw its own mix and adapter: the points of the arm's loss curve.
-- counted_tokens is what the arm counted against the budget; n_tokens what it trains on. No arm
-- without an evaluation set (eval_root: none): the experiment is off.
{%- set arms = checked_var('arms') | unique | list if evaluation_on() else [] %}
{%- set seeds = checked_var('arm_seeds') | unique | list %}
{#- the random arm: the arm seeds, then the next integers until random_draws draws (the K random mixes) #}
{%- set extra_draws = [checked_var('random_draws') - seeds | length, 0] | max %}
{%- set random_seeds = seeds + range(seeds | max + 1, seeds | max + 1 + extra_draws) | list %}
{%- set fractions = checked_var('arm_budget_fractions') | unique | list %}

with candidates as (
    select * from {{ ref('mart_candidate_pool') }}
),

{%- if 'curated' in arms %}

curated as (
    {{ curated_pool() }}
),
{%- endif %}

{%- for arm in arms if experiment_arms()[arm].get('needs_target') and checked_var('target_root') == '' %}
{{ exceptions.raise_compiler_error("arm " ~ arm ~ " draws toward target examples: set target_root to a folder of them") }}
{%- endfor %}

{%- if 'target_dsir' in arms %}

target_dsir_candidates as (
    select c.*, w.log_importance_weight
    from candidates as c
    inner join {{ ref('int_dsir_pool_weights') }} as w using (sample_id)
),
{%- endif %}

{%- if 'target_embed' in arms %}
{%- if not checked_var('model_layer') %}
{{ exceptions.raise_compiler_error("arm target_embed ranks candidates by their embeddings, which the model layer makes: set model_layer true") }}
{%- endif %}

target_embed_candidates as (
    select c.*, s.target_similarity
    from candidates as c
    inner join {{ ref('mart_target_similarity') }} as s using (sample_id)
    -- no usable target example (all quarantined): a clear error, not a random draw under its name
    where case when exists (select 1 from {{ ref('int_target_records') }}) then true
               else error('arm target_embed: target_root holds no usable target example (intermediate.int_target_quarantine says why)') end
),
{%- endif %}

budget as (
    select lang, lang_budget from {{ ref('int_mix_budget') }}
),
{%- for fraction in fractions %}

budget_{{ loop.index }} as (
    select lang, floor(lang_budget * {{ fraction }})::bigint as lang_budget from budget
),
{%- endfor %}

{%- for arm in arms %}
{%- for seed in (random_seeds if arm == 'random' else seeds) %}
{%- for fraction in fractions %}
{%- set budget = 'budget_' ~ loop.index %}

{{ arm }}_{{ seed }}_{{ loop.index }} as (
    {%- if arm == 'curated' %}
    {{ ratio_sample('curated', seed=seed, budgets=budget, order_by=curated_order_by(seed),
                    near_rank_band=near_rank_band_share()) }}
    {%- elif arm == 'random' %}
    {{ ratio_sample('candidates', seed=seed, budgets=budget) }}
    {%- elif arm == 'length' %}
    {{ ratio_sample('candidates', seed=seed, budgets=budget, order_by='p.n_response_tokens desc',
                    near_rank_band=near_rank_band_share()) }}
    {%- elif arm == 'kit' %}
    {{ ratio_sample('candidates', seed=seed, budgets=budget, count_by=experiment_arms()[arm]['counts']) }}
    {%- elif arm == 'target_dsir' %}
    {{ ratio_sample('target_dsir_candidates', seed=seed, budgets=budget,
                    order_by='p.log_importance_weight + ' ~ seeded_gumbel('p.sample_id', seed) ~ ' desc',
                    near_rank_band=near_rank_band_share()) }}
    {%- elif arm == 'target_embed' %}
    {{ ratio_sample('target_embed_candidates', seed=seed, budgets=budget,
                    order_by="p.target_similarity desc nulls last, md5(p.sample_id || ':' || " ~ sql_literal(seed | string) ~ ")",
                    near_rank_band=near_rank_band_share()) }}
    {%- endif %}
),
{%- endfor %}
{%- endfor %}
{%- endfor %}

arms as (
    {%- for arm in arms %}
    {%- for seed in (random_seeds if arm == 'random' else seeds) %}
    {%- for fraction in fractions %}
    select
        {{ sql_literal(arm) }} as arm,
        {{ sql_literal(seed) }}::bigint as seed,
        {{ fraction }}::double as budget_fraction,
        {{ mix_sample_columns() }},
        {{ experiment_arms()[arm].get('counts', 'n_tokens') }} as counted_tokens
    from {{ arm }}_{{ seed }}_{{ loop.index }}
    union all
    {%- endfor %}
    {%- endfor %}
    {%- endfor %}
    -- no arms: no rows, the same columns
    select
        null::varchar as arm,
        null::bigint as seed,
        null::double as budget_fraction,
        {{ mix_sample_columns() }},
        n_tokens as counted_tokens
    from candidates
    where false and lang in (select lang from budget)
)

select * from arms
