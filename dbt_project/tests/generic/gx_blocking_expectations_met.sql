{#- The gate of a layer's validation node: fails (as an error that lists them) when an
    error-severity expectation failed in the node's latest run; dbt then skips every node
    downstream of the validated layer. Warnings never fail it. -#}
{% test gx_blocking_expectations_met(model) %}
with latest as (
    select * from {{ model }}
    where validated_at = (select max(validated_at) from {{ model }})
),
blocking as (
    select * from latest where severity = 'error' and not success
),
report as (
    select 'GX suite ' || any_value(layer) || ' (run ' || any_value(run_id) || '): '
           || count(*) || ' blocking expectation(s) failed' || chr(10)
           || string_agg(message, chr(10) order by suite, expectation, "column") as text
    from blocking
)
select blocking.*
from blocking cross join report
where error(report.text) is null
{% endtest %}
