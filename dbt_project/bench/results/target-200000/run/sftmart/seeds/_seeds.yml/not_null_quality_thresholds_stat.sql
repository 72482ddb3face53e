
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select stat
from "s"."seeds"."quality_thresholds"
where stat is null



  
  
      
    ) dbt_internal_test