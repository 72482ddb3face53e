-- Data-Juicer style quality stats per sample and the verdict against the thresholds seed. Every
-- field of the stats struct (udfs/text_stats/quality.py) is a stat a seed row may bound: the stats
-- are unpivoted to (sample_id, stat, value) and joined to the seed by (lang, stat), so a new
-- statistic is one field of that module plus its seed rows.
with tagged as (
    select c.sample_id, c.sample_text, t.lang
    from {{ ref('int_records_cleaned') }} as c
    inner join {{ ref('int_records_lang_tagged') }} as t using (sample_id)
    where t.is_kept_language
),

stats as (
    select sample_id, lang, sftmart_quality_stats(sample_text, lang) as s
    from tagged
),

flat as (
    select sample_id, lang, s.*
    from stats
),

-- one row per sample and stat (a null stat has no row, as a null compares to no bound)
stat_values as (
    unpivot flat on columns(* exclude (sample_id, lang)) into name stat value stat_value
),

-- the bounds crossed, in the order of the stat names (drop_reason names the first)
crossed as (
    select
        v.sample_id,
        list(
            case when v.stat_value < t.min_value then v.stat || ' < ' || t.min_value::varchar
                 when v.stat_value > t.max_value then v.stat || ' > ' || t.max_value::varchar
            end order by v.stat
        ) filter (where v.stat_value < t.min_value or v.stat_value > t.max_value) as drop_reasons
    from stat_values as v
    inner join {{ ref('quality_thresholds') }} as t on v.lang = t.lang and v.stat = t.stat
    group by v.sample_id
),

checked as (
    select
        f.*,
        coalesce(c.drop_reasons, []) as drop_reasons
    from flat as f
    left join crossed as c using (sample_id)
)

select
    * exclude (drop_reasons),
    -- Tie-breaker for choosing the member a duplicate cluster keeps: higher is cleaner.
    (alnum_ratio + (1 - char_rep_ratio) + (1 - word_rep_ratio) + (1 - special_char_ratio)
        + (1 - least(1.0, 10 * flagged_word_ratio))) / 5 as quality_score,
    len(drop_reasons) = 0 as passes_quality,
    drop_reasons,
    case when len(drop_reasons) > 0 then 'quality:' || split_part(drop_reasons[1], ' ', 1) end as drop_reason
from checked
