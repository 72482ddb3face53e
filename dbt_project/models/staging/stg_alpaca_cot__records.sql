-- depends_on: {{ ref('validate_raw') }}
-- Every landed Alpaca-CoT record, renamed and cast: nothing is trimmed, cleaned or templated here
-- (int_records_trimmed and int_records_cleaned do that).
select
    record_id as sample_id,
    source_collection,
    source_file,
    record_index,
    instruction,
    coalesce(input, '') as input,
    output,
    meta,
    content_hash
from {{ ref('alpaca_cot_records') }}
