
    
    

with all_values as (

    select
        stat as value_field,
        count(*) as n_records

    from "s"."seeds"."quality_thresholds"
    group by stat

)

select *
from all_values
where value_field not in (
    'alnum_ratio','char_rep_ratio','flagged_word_ratio','max_line_length','n_chars','special_char_ratio','word_rep_ratio'
)


