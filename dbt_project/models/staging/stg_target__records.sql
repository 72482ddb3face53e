-- depends_on: {{ ref('validate_raw') }}
-- Every landed target example (target_root), renamed and cast: the landing's record_id is the
-- target_id, its collection (first folder under target_root) the target_set.
select
    record_id as target_id,
    source_collection as target_set,
    source_file,
    cast(coalesce(line_number, record_index) as bigint) as position,
    instruction,
    coalesce(input, '') as input,
    output
from {{ ref('target_landing') }}
where status = 'landed'
