{#- on-run-start: fills the build copy, which starts empty, with every table and view of the
    published warehouse that this run does not rebuild from scratch (sftmart/carry.py): all but the
    table and view models and seeds it selected (and the failure tables of tests it stores).
    Incremental models keep their rows (the landing, the validation history, training_runs), and
    so does every model a `--select` leaves out. The carried
    dbt relations are told to dbt's relation cache, which was filled from the empty copy, so an
    incremental model finds its table. Without write-audit-publish (no sftmart_carry_over function
    on the connection) it does nothing. -#}
{% macro carry_published() %}
{% if execute %}
    {% if connection_has_function('sftmart_carry_over') %}
        {% set rebuilt, by_name = [], {} %}
        {% for node in graph.nodes.values() if node.resource_type in ('model', 'seed', 'test') %}
            {% do by_name.update({node.schema ~ '.' ~ node.alias: node}) %}
            {% if node.unique_id in selected_resources and (node.resource_type == 'seed' or node.config.materialized in ('table', 'view') or (node.resource_type == 'test' and node.config.store_failures)) %}
                {% do rebuilt.append(node.schema ~ '.' ~ node.alias) %}
            {% endif %}
        {% endfor %}
        {% set done = fromjson(run_query("select sftmart_carry_over(" ~ sql_literal(tojson(rebuilt)) ~ ")").columns[0].values()[0]) %}
        {% for relation in done.carried if relation.schema ~ '.' ~ relation.name in by_name %}
            {% set node = by_name[relation.schema ~ '.' ~ relation.name] %}
            {% do adapter.cache_added(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias, type=relation.type)) %}
        {% endfor %}
        {{ log('sftmart: carried ' ~ done.carried | length ~ ' relation(s) from the published warehouse in ' ~ done.seconds ~ ' s; the run rebuilds ' ~ rebuilt | length, info=true) }}
    {% endif %}
{% endif %}
select 1
{% endmacro %}
