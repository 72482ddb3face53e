-- The target's provenance, recorded with every mix drawn toward it (mart_mix_target_provenance)
-- and with every run trained on one (training_runs): the target_root folder, how many target
-- examples the selection reads (int_target_records) and a content hash of them: md5 over each
-- example's language and sample text in sorted order, so it changes when an example does and not
-- when files are renamed or rows reordered. One row; none without a target (target_root empty).
{%- set target_root = checked_var('target_root') %}
select
    {{ sql_literal(target_root) }} as target_root,
    count(*) as target_rows,
    md5(coalesce(string_agg(lang || chr(31) || sample_text, chr(30) order by lang, sample_text), ''))
        as target_content_hash
from {{ ref('int_target_records') }}
having {{ sql_literal(target_root) }} != ''
