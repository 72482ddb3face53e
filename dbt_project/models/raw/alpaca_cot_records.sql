-- One row per accepted input record.
select
    record_id,
    source_collection,
    source_file,
    record_index,
    line_number,
    instruction,
    input,
    output,
    meta,
    content_hash,
    file_sha256,
    loaded_at
from {{ ref('alpaca_cot_landing') }}
where status = 'landed'
