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

{#- Each arm against `random`, per eval set, language and metric, from `results` (arm, seed, eval_set,
    lang, metric, value) and the arms' mixes `mixes` (arm, seed, n_tokens, counted_tokens).
    The difference is PAIRED by seed: d_s = value(arm, s) - value(random, s) over the seeds both arms
    ran (the arm seed is also the training seed, so a pair shares LoRA initialisation and data order);
    delta_vs_random = mean(d), the 95% interval mean(d) +- t(0.975, n-1) * sd(d) / sqrt(n). With fewer
    than two paired seeds there is no interval. verdict: 'no difference' when the interval covers 0,
    else 'better' or 'worse' (lower is better for nll and perplexity, higher for the rest).
    real_tokens / counted_tokens: tokens per seed the arm trains on / counted against the budget
    (the kit counts prompt tokens only, so real exceeds counted). -#}
{% macro arm_comparison(results, mixes) -%}
with per_seed as (
    select arm, seed, eval_set, lang, metric, avg(value) as value
    from {{ results }}
    where arm in ('curated', 'random', 'length', 'kit', 'target_dsir')
    group by all
),

paired as (
    select a.arm, a.eval_set, a.lang, a.metric, a.seed, a.value, r.value as random_value, a.value - r.value as diff
    from per_seed as a
    left join per_seed as r
        on r.arm = 'random' and a.seed = r.seed and a.eval_set = r.eval_set and a.lang = r.lang and a.metric = r.metric
    where a.arm <> 'random'
),

stats as (
    select
        arm, eval_set, lang, metric,
        avg(value) as mean_value,
        avg(random_value) as random_mean,
        avg(diff) as delta_vs_random,
        stddev_samp(diff) as sd_diff,
        count(diff) as n_seeds,
        count(*) as n_arm_seeds
    from paired
    group by all
),

tokens as (
    select arm, avg(real_tokens) as real_tokens, avg(counted_tokens) as counted_tokens
    from (
        select arm, seed, sum(n_tokens) as real_tokens, sum(counted_tokens) as counted_tokens
        from {{ mixes }} group by all
    ) as per_mix
    group by all
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
        when i.n_seeds < 2 then 'one seed: no interval'
        when i.ci_low <= 0 and i.ci_high >= 0 then 'no difference'
        when (i.delta_vs_random < 0) = (i.metric in ('nll', 'perplexity')) then 'better'
        else 'worse'
    end as verdict,
    k.real_tokens,
    k.counted_tokens,
    r.real_tokens as random_real_tokens
from intervals as i
left join tokens as k on k.arm = i.arm
left join tokens as r on r.arm = 'random'
{%- endmacro %}
