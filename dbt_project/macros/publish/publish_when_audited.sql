{#- on-run-end: the run's verdict for write-audit-publish, given to the plugin (udfs/plugin.py).
    Only audited states are published: the verdict is 'publish' only for a `dbt build` in which every
    node passed and, for each layer it wrote (raw, staging, intermediate, marts: every layer with a
    models/validation/validate_<layer> node), that layer's validation node ran and passed. So
    `dbt run`, `dbt seed`, `sftmart build --no-validate` and a `--select` that leaves out the
    validation nodes of what it wrote publish nothing and say so, naming the build copy to inspect.
    $SFTMART_PUBLISH_UNAUDITED=1 lifts the validation-node rule (the test suite's partial runs); the
    plugin's row guard (sftmart/row_guard.py) applies to every run whatever this says. -#}
{% macro publish_when_audited(results) %}
{% if execute %}
    {% set blocking, written, validated, audited = [], [], [], [] %}
    {% for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] == 'validation' and node.name.startswith('validate_') %}
        {% do audited.append(node.name[9:]) %}
    {% endfor %}
    {% for result in results %}
        {% if result.status not in ('success', 'pass', 'warn', 'no-op') %}
            {% do blocking.append(result.node.name ~ ' ' ~ result.status) %}
        {% elif result.node.resource_type in ('model', 'seed', 'snapshot') %}
            {% if result.node.fqn[1] == 'validation' and result.node.name[9:] in audited %}
                {% do validated.append(result.node.name[9:]) %}
            {% elif result.node.config.schema in audited %}
                {% do written.append(result.node.config.schema) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% set unaudited = env_var('SFTMART_PUBLISH_UNAUDITED', '') in ('1', 'true') %}
    {% set command = invocation_args_dict.get('which') %}
    {% set missing = written | unique | reject('in', validated) | list %}
    {% if blocking %}
        {% set verdict = blocking | length ~ ' node(s) did not pass: ' ~ blocking[:5] | join(', ') %}
    {% elif command != 'build' and not unaudited %}
        {% set verdict = '`dbt ' ~ command ~ '` runs no audits; only a `dbt build` that validates each layer it writes publishes' %}
    {% elif missing and not unaudited %}
        {% set verdict = 'the ' ~ missing | join(', ') ~ ' layer(s) were written without validate_' ~ missing | join(', validate_') ~ ' passing; add path:models/validation to the selection' %}
    {% else %}
        {% set verdict = 'publish' %}
    {% endif %}
    {% if connection_has_function('sftmart_run_verdict') %}
        {#- a feature the user turned off (eval_root: none, no target_root) may empty its own tables -#}
        {% set turned_off = ([] if evaluation_on() else ['eval']) + ([] if checked_var('target_root') else ['target']) %}
        {% do run_query("select sftmart_run_verdict(" ~ sql_literal(verdict) ~ ", " ~ checked_var('max_shrink_share') ~ ", " ~ sql_literal(turned_off | join(',')) ~ ")") %}
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

{#- Whether the run's DuckDB connection has the function `name`: the write-audit-publish plugin
    (udfs/plugin.py) registers its functions only on a build copy it manages. -#}
{% macro connection_has_function(name) %}
{{ return(run_query("select count(*) from duckdb_functions() where function_name = " ~ sql_literal(name)).columns[0].values()[0] > 0) }}
{% endmacro %}
