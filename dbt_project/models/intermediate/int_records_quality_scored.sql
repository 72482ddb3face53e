-- Data-Juicer style quality stats per sample and the verdict against the thresholds seed.
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
    select
        sample_id,
        lang,
        s.n_chars,
        s.n_words,
        s.alnum_ratio,
        s.char_rep_ratio,
        s.word_rep_ratio,
        s.special_char_ratio,
        s.flagged_word_ratio,
        s.max_line_length
    from stats
),

long_stats as (
    unpivot flat
    on n_chars::double, alnum_ratio, char_rep_ratio, word_rep_ratio, special_char_ratio,
       flagged_word_ratio, max_line_length::double
    into name stat value stat_value
),

failures as (
    select
        l.sample_id,
        list(
            l.stat || case when l.stat_value < t.min_value
                           then ' < ' || t.min_value::varchar
                           else ' > ' || t.max_value::varchar end
            order by l.stat
        ) as drop_reasons
    from long_stats as l
    inner join {{ ref('quality_thresholds') }} as t
        on t.lang = l.lang and t.stat = l.stat
    where l.stat_value < t.min_value or l.stat_value > t.max_value
    group by l.sample_id
)

select
    f.*,
    -- Tie-breaker for choosing the member a duplicate cluster keeps: higher is cleaner.
    (f.alnum_ratio + (1 - f.char_rep_ratio) + (1 - f.word_rep_ratio) + (1 - f.special_char_ratio)
        + (1 - least(1.0, 10 * f.flagged_word_ratio))) / 5 as quality_score,
    x.drop_reasons is null as passes_quality,
    coalesce(x.drop_reasons, []) as drop_reasons,
    'quality:' || split_part(x.drop_reasons[1], ' ', 1) as drop_reason
from flat as f
left join failures as x using (sample_id)
