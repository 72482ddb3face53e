-- How often each cleaning rule fired, and a few before/after examples of each.
with fired as (
    select unnest(cleaning_rules) as rule, sample_id from {{ ref('int_records_cleaned') }}
)
select f.rule, count(distinct f.sample_id) as n_samples,
       any_value(left(d.before_text, 120)) as example_before, any_value(left(d.after_text, 120)) as example_after
from fired as f
left join {{ ref('int_records_cleaning_diff') }} as d using (sample_id)
group by f.rule
order by n_samples desc
