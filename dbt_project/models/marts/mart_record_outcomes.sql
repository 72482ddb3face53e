-- Where each input unit (landed or rejected record, or whole rejected file) left the pipeline, and why.
-- dropped_at_stage is null for samples that made it into the training mix. A record that passed a
-- stage but is missing from the next stage's table gets missing_<stage> (a bug, never a guess: the
-- test no_missing_record_outcomes fails the build).
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
        when c.sample_id is null or c.is_empty_after_cleaning then 2
        when t.sample_id is null or not t.is_kept_language then 3
        when q.sample_id is null or not q.passes_quality then 4
        when e.sample_id is null or not e.is_kept then 5
        when n.sample_id is null or not n.is_kept then 6
        when d.sample_id is null or not d.is_kept then 7
        when k.sample_id is null or not k.fits_training or p.sample_id is null then 8
        when sel.sample_id is null or not sel.is_selected or so.sample_id is null or so.drop_reason is not null then 9
        when m.sample_id is null then 10
    end as dropped_at_stage,
    case
        when l.status = 'rejected' then 'rejected:' || l.reject_reason_code
        when c.sample_id is null then 'missing_cleaned'
        when c.is_empty_after_cleaning then 'empty_instruction_or_output'
        when t.sample_id is null then 'missing_language_tagged'
        when not t.is_kept_language then 'language_not_kept:' || t.lang
        when q.sample_id is null then 'missing_quality_filtered'
        when not q.passes_quality then q.drop_reason
        when e.sample_id is null then 'missing_exact_deduped'
        when not e.is_kept then 'exact_duplicate'
        when n.sample_id is null then 'missing_near_deduped'
        when not n.is_kept then 'near_duplicate'
        when d.sample_id is null then 'missing_eval_decontaminated'
        when not d.is_kept then 'eval_contamination'
        when k.sample_id is null then 'missing_tokenized'
        when not k.fits_training then 'too_long_for_training'
        when p.sample_id is null then 'missing_candidate_pool'
        when sel.sample_id is null then 'missing_selected'
        when not sel.is_selected then sel.drop_reason
        when so.sample_id is null then 'missing_selected'
        when so.drop_reason is not null then so.drop_reason
        when m.sample_id is null then 'not_sampled:budget_filled'
    end as drop_reason,
    -- which rule and evaluation set removed it (int_samples_decontaminated); which guide judged a
    -- row the learnability filter removed, and whether in or out of sample (mart_sample_learnability)
    case
        when not d.is_kept then d.match_kind || ':' || d.matched_eval_set
        when sel.drop_reason like 'learnability:%' and lrn.scored_by_guide is not null
            then lrn.scored_by_guide || ':' || case when lrn.guide_in_sample then 'in_sample' else 'out_of_sample' end
    end as drop_detail,
    lrn.scored_by_guide,
    lrn.guide_in_sample
from landing as l
left join cleaned as c on c.sample_id = l.record_id
left join {{ ref('int_records_lang_tagged') }} as t on t.sample_id = l.record_id
left join {{ ref('int_records_quality_scored') }} as q on q.sample_id = l.record_id
left join {{ ref('int_samples_exact_deduped') }} as e on e.sample_id = l.record_id
left join {{ ref('int_near_duplicate_components') }} as n on n.sample_id = l.record_id
left join {{ ref('int_samples_decontaminated') }} as d on d.sample_id = l.record_id
left join {{ ref('int_samples_tokenized') }} as k on k.sample_id = l.record_id
left join {{ ref('mart_candidate_pool') }} as p on p.sample_id = l.record_id
left join {{ ref('mart_sample_learnability') }} as lrn on lrn.sample_id = l.record_id
left join {{ ref('mart_sample_selection') }} as sel on sel.sample_id = l.record_id
left join {{ ref('mart_selection_order') }} as so on so.sample_id = l.record_id
left join {{ ref('mart_training_mix') }} as m on m.sample_id = l.record_id
