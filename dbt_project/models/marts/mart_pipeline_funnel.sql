-- Rows (and characters, and tokens once counted) per stage and language, from the input files to
-- the training mix, with the rows each stage removed and why.
with stages (stage_order, stage) as (
    -- the stage numbers are mart_record_outcomes.dropped_at_stage's; candidate_pool removes the samples
    -- training cannot take (too_long_for_training), so no mix counts them
    values (1, 'landed'), (2, 'cleaned'), (3, 'language_tagged'), (4, 'quality_filtered'),
           (5, 'exact_deduped'), (6, 'near_deduped'), (7, 'eval_decontaminated'), (8, 'candidate_pool'),
           (9, 'selected'), (10, 'training_mix')
),

outcomes as (
    select *, coalesce(dropped_at_stage, 99) as last_stage from {{ ref('mart_record_outcomes') }}
),

counts as (
    select
        s.stage_order,
        s.stage,
        o.lang,
        count(*) filter (where o.last_stage >= s.stage_order) as rows_in,
        count(*) filter (where o.last_stage > s.stage_order) as rows_out,
        count(*) filter (where o.last_stage = s.stage_order) as rows_removed,
        sum(o.n_chars) filter (where o.last_stage > s.stage_order) as chars_out,
        -- tokens are counted for the near-dedup survivors (int_samples_tokenized), from stage 7 on
        case when s.stage_order >= 7
             then coalesce(sum(o.n_tokens) filter (where o.last_stage > s.stage_order), 0) end as tokens_out
    from stages as s
    cross join outcomes as o
    group by s.stage_order, s.stage, o.lang
),

reasons as (
    select
        dropped_at_stage as stage_order,
        lang,
        map(list(drop_reason order by drop_reason), list(n order by drop_reason)) as removed_by_reason
    from (
        select dropped_at_stage, lang, drop_reason, count(*) as n
        from outcomes
        where dropped_at_stage is not null
        group by all
    ) as per_reason
    group by all
),

details as (
    -- finer than the reason where a stage records one (eval_contamination: '<rule>:<eval set>')
    select
        dropped_at_stage as stage_order,
        lang,
        map(list(drop_detail order by drop_detail), list(n order by drop_detail)) as removed_by_detail
    from (
        select dropped_at_stage, lang, drop_detail, count(*) as n
        from outcomes
        where drop_detail is not null
        group by all
    ) as per_detail
    group by all
),

shortfalls as (
    -- the mix's budget notes (int_mix_budget: a short language, and what ratio_policy did about it)
    select 10 as stage_order, lang, note
    from {{ ref('int_mix_budget') }}
    where note is not null
    {%- if not evaluation_on() %}
    union all
    -- eval_root none (macros/evaluation_on.sql): said on every language that reaches decontamination
    select distinct
        s.stage_order,
        o.lang,
        'evaluation is off (eval_root: none): no evaluation set, so decontamination checked nothing '
        || 'and no model or experiment arm is evaluated' as note
    from stages as s
    inner join outcomes as o on o.last_stage >= s.stage_order
    where s.stage = 'eval_decontaminated'
    {%- endif %}
)

select
    c.*,
    coalesce(r.removed_by_reason, map()) as removed_by_reason,
    s.note,
    coalesce(dt.removed_by_detail, map()) as removed_by_detail
from counts as c
left join reasons as r using (stage_order, lang)
left join shortfalls as s using (stage_order, lang)
left join details as dt using (stage_order, lang)
where c.rows_in > 0 or s.note is not null
order by c.stage_order, c.lang
