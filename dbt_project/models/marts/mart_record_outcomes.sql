-- Where each input unit (landed or rejected record, or whole rejected file) left the pipeline, and why.
-- dropped_at_stage is null for samples that made it into the training mix.
with landing as (
    select record_id, status, reject_reason_code from {{ ref('alpaca_cot_landing') }}
),

cleaned as (
    select sample_id, is_empty_after_cleaning, length(sample_text) as n_chars
    from {{ ref('int_records_cleaned') }}
)

select
    l.record_id as sample_id,
    coalesce(t.lang, 'unknown') as lang,
    c.n_chars,
    k.n_tokens,
    case
        when l.status = 'rejected' then 1
        when c.is_empty_after_cleaning then 2
        when not t.is_kept_language then 3
        when not q.passes_quality then 4
        when not e.is_kept then 5
        when not n.is_kept then 6
        when not d.is_kept then 7
        when not coalesce(sel.is_selected, true) or so.drop_reason is not null then 9
        when m.sample_id is null then 10
    end as dropped_at_stage,
    case
        when l.status = 'rejected' then 'rejected:' || l.reject_reason_code
        when c.is_empty_after_cleaning then 'empty_instruction_or_output'
        when not t.is_kept_language then 'language_not_kept:' || t.lang
        when not q.passes_quality then q.drop_reason
        when not e.is_kept then 'exact_duplicate'
        when not n.is_kept then 'near_duplicate'
        when not d.is_kept then 'eval_contamination'
        when not coalesce(sel.is_selected, true) or so.drop_reason is not null
            then coalesce(sel.drop_reason, so.drop_reason)
        when m.sample_id is null then 'not_sampled:budget_filled'
    end as drop_reason,
    -- which decontamination rule and evaluation set removed it (int_samples_eval_matched)
    case when not d.is_kept then d.match_kind || ':' || d.matched_eval_set end as drop_detail
from landing as l
left join cleaned as c on c.sample_id = l.record_id
left join {{ ref('int_records_lang_tagged') }} as t on t.sample_id = l.record_id
left join {{ ref('int_records_quality_scored') }} as q on q.sample_id = l.record_id
left join {{ ref('int_samples_exact_deduped') }} as e on e.sample_id = l.record_id
left join {{ ref('int_near_duplicate_components') }} as n on n.sample_id = l.record_id
left join {{ ref('int_samples_decontaminated') }} as d on d.sample_id = l.record_id
left join {{ ref('int_samples_tokenized') }} as k on k.sample_id = l.record_id
left join {{ ref('mart_sample_selection') }} as sel on sel.sample_id = l.record_id
left join {{ ref('mart_selection_order') }} as so on so.sample_id = l.record_id
left join {{ ref('mart_training_mix') }} as m on m.sample_id = l.record_id
