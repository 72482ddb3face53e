{#- Post-hook of incremental Python models: dbt-duckdb 1.11 writes a Python model's incremental
    batch to a real table `<model>__dbt_tmp<timestamp>` (in the warehouse's `main` schema) that
    its materialization never drops; without this, every incremental run left one behind. -#}
{% macro drop_python_incremental_temp(relation) %}
{% if execute %}
    {% set leftovers = run_query(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
        ~ "and starts_with(table_name, " ~ sql_literal(relation.identifier ~ '__dbt_tmp') ~ ")") %}
    {% for schema_name, table_name in leftovers %}
        {% do run_query("drop table if exists " ~ adapter.quote(schema_name) ~ "." ~ adapter.quote(table_name)) %}
    {% endfor %}
{% endif %}
{% endmacro %}
