-- The biggest duplicate clusters, with the text of the member each one kept.
select d.dedup_kind, d.cluster_id, d.cluster_size, left(c.sample_text, 160) as kept_text
from {{ ref('int_duplicate_clusters') }} as d
inner join {{ ref('int_records_cleaned') }} as c on c.sample_id = d.kept_sample_id
where d.is_kept
order by d.cluster_size desc
limit 20
