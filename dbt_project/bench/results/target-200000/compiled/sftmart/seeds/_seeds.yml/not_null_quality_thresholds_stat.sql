
    
    



select stat
from "s"."seeds"."quality_thresholds"
where stat is null


