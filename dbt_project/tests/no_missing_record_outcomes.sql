-- mart_record_outcomes places every input unit: a missing_<stage> reason means a stage's table lost
-- a record that passed the stage before it (a bug in a join, never a reason to guess), and fails
-- the build before it publishes.
{{ config(severity='error') }}
select sample_id, dropped_at_stage, drop_reason
from {{ ref('mart_record_outcomes') }}
where starts_with(drop_reason, 'missing_')
