{#- Two-sided 95% Student t quantiles t(0.975, df) (scipy.stats.t.ppf, 4 decimals), df 1-30, 40, 60,
    120; a df between two rows takes the lower row's quantile (a slightly wider, conservative
    interval), a df over 120 takes 120's. -#}
{% macro t_quantiles_975() -%}
select * from (values
    (1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764), (5, 2.5706), (6, 2.4469), (7, 2.3646), (8, 2.3060),
    (9, 2.2622), (10, 2.2281), (11, 2.2010), (12, 2.1788), (13, 2.1604), (14, 2.1448), (15, 2.1314),
    (16, 2.1199), (17, 2.1098), (18, 2.1009), (19, 2.0930), (20, 2.0860), (21, 2.0796), (22, 2.0739),
    (23, 2.0687), (24, 2.0639), (25, 2.0595), (26, 2.0555), (27, 2.0518), (28, 2.0484), (29, 2.0452),
    (30, 2.0423), (40, 2.0211), (60, 2.0003), (120, 1.9799)
) as t (df, t_975)
{%- endmacro %}

{#- Each arm against `random` at the same budget fraction, per eval set, language and metric, from
    `results` (arm, seed, budget_fraction, eval_set, lang, metric, value), the arms' mixes `mixes` (arm,
    seed, budget_fraction, lang, n_tokens, counted_tokens) and their training runs `runs` (arm, seed,
    budget_fraction, tokens_seen, n_dropped_over_length; none = no runs). Everything below is per
    budget_fraction (the last output column): a draw is paired, compared and counted only with the
    random draws of its own fraction of the budget.
    The difference is PAIRED by seed: d_s = value(arm, s) - value(random, s) over the seeds both arms
    ran (the arm seed is also the training seed, so a pair shares LoRA initialisation and data order);
    delta_vs_random = mean(d), the 95% interval mean(d) +- t(0.975, n-1) * sd(d) / sqrt(n). With fewer
    than two paired seeds there is no interval. mean_value and random_mean are the means over those
    same paired seeds (so delta_vs_random = mean_value - random_mean; over all the arm's seeds when no
    random seed pairs with it). verdict: 'not comparable' when the arm's real tokens in some language
    differ from random's by more than budget_tolerance() of random's (the kit, which counts prompt
    tokens only, trains on more at another ratio), else 'no difference' when the interval covers 0,
    else 'better' or 'worse' (lower is better for nll and perplexity, higher for the rest).
    Per seed, averaged over the arm's seeds: counted_tokens (counted against the budget), real_tokens
    (in the mix), real_en_share (English share of real_tokens), trained_tokens (tokens_seen: every
    non-padding token the training run put through the model, all epochs) and n_dropped_over_length
    (rows training dropped as too long; 0, since the pool holds none). -#}
{% macro arm_comparison(results, mixes, runs=none) -%}
with per_seed as (
    select arm, seed, budget_fraction, eval_set, lang, metric, avg(value) as value
    from {{ results }}
    where arm in ('{{ experiment_arms() | join("', '") }}')
    group by all
),

paired as (
    select a.arm, a.budget_fraction, a.eval_set, a.lang, a.metric, a.seed, a.value, r.value as random_value,
           a.value - r.value as diff
    from per_seed as a
    left join per_seed as r
        on r.arm = 'random' and a.seed = r.seed and a.budget_fraction = r.budget_fraction
           and a.eval_set = r.eval_set and a.lang = r.lang and a.metric = r.metric
    where a.arm <> 'random'
),

stats as (
    select
        arm, budget_fraction, eval_set, lang, metric,
        coalesce(avg(value) filter (where diff is not null), avg(value)) as mean_value,
        avg(random_value) filter (where diff is not null) as random_mean,
        avg(diff) as delta_vs_random,
        stddev_samp(diff) as sd_diff,
        count(diff) as n_seeds
    from paired
    group by all
),

mix_langs as (
    select arm, seed, budget_fraction, lang, sum(n_tokens) as real_tokens, sum(counted_tokens) as counted_tokens
    from {{ mixes }}
    group by all
),

arm_lang_tokens as (
    -- per arm, fraction and language, the mean over the arm's seeds (a seed without that language counts 0)
    select s.arm, s.budget_fraction, l.lang, avg(coalesce(m.real_tokens, 0)) as real_tokens
    from (select distinct arm, seed, budget_fraction from mix_langs) as s
    cross join (select distinct lang from mix_langs) as l
    left join mix_langs as m using (arm, seed, budget_fraction, lang)
    group by all
),

comparability as (
    select
        a.arm,
        a.budget_fraction,
        bool_and(abs(a.real_tokens - coalesce(r.real_tokens, 0))
                 <= {{ sql_literal(budget_tolerance()) }} * coalesce(r.real_tokens, 0)) as is_comparable
    from arm_lang_tokens as a
    left join arm_lang_tokens as r on r.arm = 'random' and r.budget_fraction = a.budget_fraction and r.lang = a.lang
    group by a.arm, a.budget_fraction
),

tokens as (
    select
        arm,
        budget_fraction,
        avg(real_tokens) as real_tokens,
        avg(counted_tokens) as counted_tokens,
        avg(en_tokens / nullif(real_tokens, 0)) as real_en_share
    from (
        select arm, seed, budget_fraction, sum(real_tokens) as real_tokens, sum(counted_tokens) as counted_tokens,
               coalesce(sum(real_tokens) filter (where lang = 'en'), 0) as en_tokens
        from mix_langs group by all
    ) as per_mix
    group by all
),

trained as (
    {%- if runs is none %}
    select null::varchar as arm, null::double as budget_fraction, null::double as trained_tokens,
           null::double as n_dropped_over_length
    where false
    {%- else %}
    select arm, budget_fraction, avg(tokens_seen) as trained_tokens, avg(n_dropped_over_length) as n_dropped_over_length
    from {{ runs }}
    group by all
    {%- endif %}
),

t_table as (
    {{ t_quantiles_975() }}
),

intervals as (
    select
        s.*,
        case when s.n_seeds >= 2
             then s.delta_vs_random - t.t_975 * s.sd_diff / sqrt(s.n_seeds) end as ci_low,
        case when s.n_seeds >= 2
             then s.delta_vs_random + t.t_975 * s.sd_diff / sqrt(s.n_seeds) end as ci_high
    from stats as s
    asof left join t_table as t
        on s.n_seeds - 1 >= t.df
)

select
    i.arm,
    i.eval_set,
    i.lang,
    i.metric,
    i.mean_value,
    i.random_mean,
    i.delta_vs_random,
    i.ci_low,
    i.ci_high,
    i.n_seeds,
    case
        when i.n_seeds = 0 then 'no random arm to compare'
        when not coalesce(c.is_comparable, true) then 'not comparable'
        when i.n_seeds < 2 then 'one seed: no interval'
        when i.ci_low <= 0 and i.ci_high >= 0 then 'no difference'
        when (i.delta_vs_random < 0) = (i.metric in ('nll', 'perplexity')) then 'better'
        else 'worse'
    end as verdict,
    k.real_tokens,
    k.counted_tokens,
    r.real_tokens as random_real_tokens,
    k.real_en_share,
    r.real_en_share as random_real_en_share,
    tr.trained_tokens,
    tr.n_dropped_over_length,
    c.is_comparable,
    i.budget_fraction
from intervals as i
left join tokens as k on k.arm = i.arm and k.budget_fraction = i.budget_fraction
left join tokens as r on r.arm = 'random' and r.budget_fraction = i.budget_fraction
left join comparability as c on c.arm = i.arm and c.budget_fraction = i.budget_fraction
left join trained as tr on tr.arm = i.arm and tr.budget_fraction = i.budget_fraction
{%- endmacro %}
