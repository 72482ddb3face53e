
    
    

with all_values as (

    select
        lang as value_field,
        count(*) as n_records

    from "s"."seeds"."quality_thresholds"
    group by lang

)

select *
from all_values
where value_field not in (
    'en','zh'
)


