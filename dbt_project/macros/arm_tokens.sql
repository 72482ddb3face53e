{#- The experiment's token totals, once (mart_arm_tokens; the comparison, `sftmart experiment` and the
    report read them): from the arms' mixes `mixes` (one row per sample: arm, seed, budget_fraction, lang,
    n_tokens, counted_tokens) and their training runs `runs` (arm, seed, budget_fraction, tokens_seen,
    n_dropped_over_length), one row per arm, seed, budget fraction and language (n_rows, real_tokens: what the mix holds, counted_tokens: what
    the arm counted against the budget) and one per arm, seed and budget fraction with lang null: the whole mix, with
    trained_tokens (tokens_seen of its training runs: every non-padding token put through the model,
    all epochs) and n_dropped_over_length; both are null on the language rows (a run is not split by
    language) and when the mix was not trained. -#}
{% macro arm_tokens(mixes, runs) -%}
with per_lang as (
    select
        arm,
        seed,
        budget_fraction,
        lang,
        count(*)::bigint as n_rows,
        sum(n_tokens)::bigint as real_tokens,
        sum(counted_tokens)::bigint as counted_tokens
    from {{ mixes }}
    group by arm, seed, budget_fraction, lang
),

per_mix as (
    select * from per_lang
    union all
    select
        arm,
        seed,
        budget_fraction,
        null::varchar as lang,
        sum(n_rows)::bigint as n_rows,
        sum(real_tokens)::bigint as real_tokens,
        sum(counted_tokens)::bigint as counted_tokens
    from per_lang
    group by arm, seed, budget_fraction
),

trained as (
    select
        arm,
        seed,
        budget_fraction,
        sum(tokens_seen)::bigint as trained_tokens,
        sum(n_dropped_over_length)::bigint as n_dropped_over_length
    from {{ runs }}
    group by all
)

select
    m.arm,
    m.seed,
    m.budget_fraction,
    m.lang,
    m.n_rows,
    m.real_tokens,
    m.counted_tokens,
    t.trained_tokens,
    t.n_dropped_over_length
from per_mix as m
left join trained as t
    on m.lang is null and m.arm = t.arm and m.seed = t.seed and m.budget_fraction = t.budget_fraction
{%- endmacro %}
