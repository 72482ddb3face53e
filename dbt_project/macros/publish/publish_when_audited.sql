{#- on-run-end: the run's verdict for write-audit-publish, given to the plugin (udfs/plugin.py),
    which publishes the build copy only when every node passed and the command writes (a `dbt
    build` audits with its data tests and validation nodes; a `dbt run` publishes unaudited, as
    dbt's own `run` would); otherwise the published warehouse stays as it was. -#}
{% macro publish_when_audited(results) %}
{% if execute %}
    {% set blocking = [] %}
    {% for result in results %}
        {% if result.status not in ('success', 'pass', 'warn', 'no-op') %}
            {% do blocking.append(result.node.name ~ ' ' ~ result.status) %}
        {% endif %}
    {% endfor %}
    {% set verdict = 'publish' if not blocking else blocking | length ~ ' node(s) did not pass: ' ~ blocking[:5] | join(', ') %}
    {% set has_wap = run_query("select count(*) from duckdb_functions() where function_name = 'sftmart_run_verdict'").columns[0].values()[0] %}
    {% if has_wap %}
        {% do run_query("select sftmart_run_verdict(" ~ sql_literal(verdict) ~ ")") %}
    {% endif %}
{% endif %}
select 1
{% endmacro %}

{#- A singular test per guarded table (tests/shrink_guards/): the build keeps at least
    (1 - max_shrink_share) of the rows the published warehouse has in the table, and never empties
    it, so an empty or mostly missing input fails the run before it publishes. -#}
{% macro shrink_guard(model) %}
{% set before = adapter.get_relation(database='published', schema=model.schema, identifier=model.identifier) if execute else none %}
{% set max_shrink = checked_var('max_shrink_share') %}
with now as (select count(*) as rows_now from {{ model }}),
published as (
    {% if before is not none %}select count(*) as rows_published from {{ before }}
    {% else %}select null::bigint as rows_published{% endif %}
)
select rows_now, rows_published, {{ sql_literal(max_shrink) }} as max_shrink_share
from now, published
where rows_now = 0 or rows_now < rows_published * (1 - {{ sql_literal(max_shrink) }})
{% endmacro %}
