-- What was quarantined at landing, by reason and file, with one example excerpt each.
select reject_reason_code, source_file, count(*) as n_rejected, any_value(reject_reason) as example_reason,
       any_value(excerpt) as example_excerpt
from {{ ref('rejected_records') }}
group by all
order by n_rejected desc
