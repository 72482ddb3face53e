-- depends_on: {{ ref('validate_raw') }}
-- Every landed evaluation record, renamed and cast: nothing is trimmed, cleaned or tagged here
-- (int_eval_records_cleaned does that, with the training data's cleaning).
select
    record_id as eval_id,
    source_collection as eval_set,
    source_file,
    coalesce(line_number, record_index) as position,
    instruction,
    coalesce(input, '') as input,
    output,
    cast(options as varchar[]) as options,
    cast(answer_index as integer) as answer_index
from {{ ref('eval_landing') }}
where status = 'landed'
