-- Data-Juicer style quality stats per sample and the verdict against the thresholds seed.
{#- every stat a threshold may name, in the order drop_reasons lists them -#}
{% set stats = ['alnum_ratio', 'char_rep_ratio', 'flagged_word_ratio', 'max_line_length', 'n_chars',
                'special_char_ratio', 'word_rep_ratio'] %}
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

-- one row per language, a min and a max column per stat (null: no bound)
thresholds as (
    select
        lang,
        {% for stat in stats %}
        max(min_value) filter (where stat = '{{ stat }}') as {{ stat }}_min,
        max(max_value) filter (where stat = '{{ stat }}') as {{ stat }}_max{{ ',' if not loop.last }}
        {% endfor %}
    from {{ ref('quality_thresholds') }}
    group by lang
),

checked as (
    select
        f.*,
        list_filter([
            {% for stat in stats %}
            case when f.{{ stat }} < t.{{ stat }}_min then '{{ stat }} < ' || t.{{ stat }}_min::varchar
                 when f.{{ stat }} > t.{{ stat }}_max then '{{ stat }} > ' || t.{{ stat }}_max::varchar
            end{{ ',' if not loop.last }}
            {% endfor %}
        ], lambda reason: reason is not null) as drop_reasons
    from flat as f
    left join thresholds as t using (lang)
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
