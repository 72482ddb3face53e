-- Why samples left the pipeline, per language and stage.
select lang, dropped_at_stage, drop_reason, count(*) as n_samples
from {{ ref('mart_record_outcomes') }}
where drop_reason is not null
group by all
order by lang, dropped_at_stage, n_samples desc
