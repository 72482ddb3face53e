-- Evaluation decontamination: every near-dedup survivor, and whether it matches an evaluation
-- record under any rule of int_samples_eval_matched (exact_record, question, options, ngram13,
-- near_record). Held-out rows must never train a model, so a match leaves the pool with reason
-- eval_contamination (mart_record_outcomes; its drop_detail names the rule and evaluation set).
-- When several rules or records match, match_kind is the first rule in
-- macros/decontamination.sql's order and matched_eval_id the lowest eval_id under it.
{% set rules -%}
[{% for rule in decontamination_rules() %}{{ sql_literal(rule) }}{{ ', ' if not loop.last }}{% endfor %}]
{%- endset %}
with survivors as (
    select sample_id, lang
    from {{ ref('int_near_duplicate_components') }}
    where is_kept
),

ranked as (
    select
        sample_id,
        eval_id,
        eval_set,
        match_kind,
        list_position({{ rules }}, match_kind) as rule_rank
    from {{ ref('int_samples_eval_matched') }}
),

first_match as (
    select
        sample_id,
        arg_min(eval_id, (rule_rank, eval_id)) as matched_eval_id,
        arg_min(eval_set, (rule_rank, eval_id)) as matched_eval_set,
        arg_min(match_kind, (rule_rank, eval_id)) as match_kind,
        list_transform(list_sort(list_distinct(list(rule_rank))), lambda i: {{ rules }}[i]) as match_kinds
    from ranked
    group by sample_id
)

select
    s.sample_id,
    s.lang,
    m.sample_id is null as is_kept,
    m.matched_eval_id,
    m.matched_eval_set,
    m.match_kind,
    m.match_kinds
from survivors as s
left join first_match as m using (sample_id)
