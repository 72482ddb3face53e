{#- Token budget per language: en gets budget * en_ratio, zh the rest. -#}
{% macro language_budgets(token_budget, en_ratio) -%}
select 'en' as lang, {{ sql_literal(token_budget * en_ratio) }} as lang_budget
union all
select 'zh', {{ sql_literal(token_budget * (1 - en_ratio)) }}
{%- endmacro %}

{#- The budget a ratio sample of `pool` draws, per language (lang, share, pool_tokens, requested_budget,
    effective_budget, lang_budget, ratio_policy, note). `hold`: when a language's pool cannot fill its
    share, the budget shrinks to the largest whole number of tokens that keeps the ratio,
    min(token_budget, min over languages with a share > 0 of pool_tokens / share), so that language
    takes its whole pool and the others their share of the smaller budget. `fill`: the budget stays
    and a short language takes what there is (the ratio drifts). A language with share 0 gets
    nothing and never limits the budget; a language with a share and no candidates holds the budget
    at 0 (an empty mix, said in its note). -#}
{% macro mix_budgets(pool, token_budget, en_ratio, ratio_policy) -%}
with shares as (
    select 'en' as lang, {{ sql_literal(en_ratio) }}::double as share
    union all
    select 'zh', 1 - {{ sql_literal(en_ratio) }}::double
),

per_lang as (
    select s.lang, s.share, coalesce(sum(p.n_tokens), 0)::bigint as pool_tokens
    from shares as s
    left join {{ pool }} as p using (lang)
    group by all
),

held as (
    select
        case when {{ sql_literal(ratio_policy) }} = 'hold'
             then least({{ sql_literal(token_budget) }}::double,
                        coalesce(min(pool_tokens / share) filter (where share > 0), {{ sql_literal(token_budget) }}))
             else {{ sql_literal(token_budget) }} end as budget
    from per_lang
),

budgets as (
    select
        l.lang,
        l.share,
        l.pool_tokens,
        {{ sql_literal(token_budget) }}::bigint as requested_budget,
        floor(h.budget)::bigint as effective_budget,
        -- a language that holds the budget takes its whole pool (floor() must not cut its last sample)
        case when {{ sql_literal(ratio_policy) }} = 'hold' and l.share > 0 and l.pool_tokens / l.share <= h.budget
             then l.pool_tokens else floor(h.budget) * l.share end as lang_budget,
        {{ sql_literal(ratio_policy) }} as ratio_policy,
        l.pool_tokens < {{ sql_literal(token_budget) }} * l.share as is_short,
        l.share > 0 and l.pool_tokens / l.share <= h.budget as is_limiting
    from per_lang as l
    cross join held as h
)

select
    * exclude (is_short, is_limiting),
    case
        when ratio_policy = 'fill' and is_short
            then 'shortfall: the pool holds ' || pool_tokens || ' tokens of the ' || (requested_budget * share)::bigint
                || '-token ' || lang || ' share (ratio_policy fill: the ratio drifts)'
        when effective_budget < requested_budget and is_limiting and pool_tokens = 0
            then 'ratio held: ' || lang || ' ran out of candidates (none for its ' || round(100 * share, 1)
                || '% share), so the budget shrinks to 0 tokens and every mix is empty (for one-language data set en_ratio to '
                || case when lang = 'en' then '0' else '1' end || '; ratio_policy fill takes what there is)'
        when effective_budget < requested_budget and is_limiting
            then 'ratio held: ' || lang || ' ran out of candidates (the pool holds ' || pool_tokens || ' tokens of the '
                || (requested_budget * share)::bigint || '-token ' || lang || ' share), so the budget shrinks from '
                || requested_budget || ' to ' || effective_budget || ' tokens'
        when effective_budget < requested_budget and share > 0
            then 'ratio held: the budget shrinks from ' || requested_budget || ' to ' || effective_budget
                || ' tokens (another language ran short), so the ' || lang || ' share is ' || lang_budget::bigint
                || ' of its ' || pool_tokens || ' pool tokens'
    end as note
from budgets
{%- endmacro %}

{#- How far (a share of the budget) a mix may fall short of its budget and two arms' real tokens may
    differ and still count as the same budget: mixes never exceed their budget and the fill gets
    within this of it (macros ratio_sample, log_mix_shortfall, arm_comparison). -#}
{% macro budget_tolerance() -%}
{{ return(0.02) }}
{%- endmacro %}

{#- The near_rank_band of ratio_sample every ranked mix is drawn with (the curated mix under a ranked
    order, the length arm): bands of 30% of the language's budget. -#}
{% macro near_rank_band_share() -%}
{{ return(0.3) }}
{%- endmacro %}

{#- A ratio-balanced sample of `pool` (a relation with sample_id, lang, n_tokens): each language fills
    its share of the budget in order and never exceeds it. A sample that would overshoot is skipped
    and the fill goes on with the next ones that still fit (first fit in draw order, over
    `fill_passes` passes: each pass takes, in draw order, the not yet drawn samples that fit the
    budget left), so every mix of one budget ends within a few tokens of it whatever its order.
    budgets: a relation with (lang, lang_budget), e.g. int_mix_budget; by default token_budget split
      by en_ratio.
    order_by: a SQL expression over the pool's columns (e.g. 'n_response_tokens desc'); by default a
      seeded random order (md5 of sample_id and seed). Ties break in the seeded order when a seed
      is given, then on sample_id.
    near_rank_band: with order_by and a seed, the draw order is seeded among near ranks: the pool in
      order_by's order is cut into bands of this share of the language's budget (in tokens; at least
      two average samples), drawn band after band, each band in the seeded order. So a ranked arm
      keeps its ranking (bands of 0.3: the first 90% of the budget are the top-ranked samples
      whatever the seed) and its seed still changes the draw (the last 10% are sampled from the
      next-ranked 30%).
    count_by: the column counted against the budget (n_tokens; the competition kit's count is
      n_prompt_tokens).
    Returns the pool's columns. -#}
{% macro ratio_sample(pool, token_budget=none, en_ratio=none, seed=none, order_by=none, budgets=none,
                      count_by='n_tokens', near_rank_band=none, fill_passes=4) -%}
{%- set seeded = none if seed is none else "md5(p.sample_id || ':' || " ~ sql_literal(seed | string) ~ ")" -%}
{%- set banded = order_by is not none and seed is not none and near_rank_band is not none -%}
with budgets as (
    {% if budgets is not none -%}
    select lang, lang_budget from {{ budgets }}
    {%- else -%}
    {{ language_budgets(token_budget, en_ratio) }}
    {%- endif %}
),

{%- if banded %}

ranked_ as (
    select
        p.*,
        floor(
            (sum(p.{{ count_by }}) over (partition by p.lang order by {{ order_by }}, p.sample_id
                                         rows between unbounded preceding and current row) - p.{{ count_by }})
            / greatest(b.lang_budget * {{ sql_literal(near_rank_band) }},
                       2 * avg(p.{{ count_by }}) over (partition by p.lang), 1)
        ) as near_rank_band_
    from {{ pool }} as p
    inner join budgets as b using (lang)
),
{%- endif %}

ordered_ as materialized (
    select
        p.* {%- if banded %} exclude (near_rank_band_){% endif %},
        b.lang_budget,
        p.{{ count_by }} as counted_tokens_,
        row_number() over (
            partition by p.lang
            order by {{ (['p.near_rank_band_', seeded] if banded else [order_by, seeded]) | reject('none') | join(', ') }},
                     p.sample_id
        ) as draw_order_
    from {{ 'ranked_' if banded else pool }} as p
    inner join budgets as b using (lang)
    where b.lang_budget > 0
),

taken_0 as (
    select lang, draw_order_, counted_tokens_ from ordered_ where false
),
{%- for k in range(1, fill_passes + 1) %}

left_{{ k }} as (
    select b.lang, b.lang_budget - coalesce(sum(t.counted_tokens_), 0) as tokens_left
    from budgets as b
    left join taken_{{ k - 1 }} as t using (lang)
    group by b.lang, b.lang_budget
),

taken_{{ k }} as materialized (
    select * from taken_{{ k - 1 }}
    union all
    select lang, draw_order_, counted_tokens_
    from (
        select
            o.lang,
            o.draw_order_,
            o.counted_tokens_,
            l.tokens_left,
            sum(o.counted_tokens_) over (partition by o.lang order by o.draw_order_
                                         rows between unbounded preceding and current row) as cumulative_tokens
        from ordered_ as o
        inner join left_{{ k }} as l using (lang)
        anti join taken_{{ k - 1 }} as t using (lang, draw_order_)
        where o.counted_tokens_ <= l.tokens_left
    ) as fitting
    where cumulative_tokens <= tokens_left
),
{%- endfor %}

drawn_ as (
    select o.* exclude (lang_budget, counted_tokens_, draw_order_)
    from ordered_ as o
    semi join taken_{{ fill_passes }} as t using (lang, draw_order_)
)

select * from drawn_
{%- endmacro %}

{#- The columns of a sample in every drawn mix (mart_training_mix, mart_arm_mixes), in their order. -#}
{% macro mix_sample_columns() -%}
sample_id, lang, prompt, response, n_prompt_tokens, n_response_tokens, n_tokens
{%- endmacro %}
