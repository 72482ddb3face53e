-- One row per input file: what was landed from it and what was rejected.
select
    source_file,
    any_value(source_collection) as source_collection,
    any_value(file_sha256) as file_sha256,
    any_value(file_size) as file_size,
    count(*) filter (where status = 'landed') as n_landed,
    count(*) filter (where status = 'rejected') as n_rejected,
    max(loaded_at) as loaded_at
from {{ ref('alpaca_cot_landing') }}
group by source_file
