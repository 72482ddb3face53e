-- Samples just below/above each quality threshold: useful when tuning seeds/quality_thresholds.csv.
select lang, drop_reason, count(*) as n, avg(char_rep_ratio) as avg_char_rep, avg(alnum_ratio) as avg_alnum,
       avg(n_chars) as avg_chars
from {{ ref('int_records_quality_scored') }}
where not passes_quality
group by all
order by n desc
