
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

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



  
  
      
    ) dbt_internal_test