{#- Every var the project reads: its type, the values it may take and what it means. This macro and
    the groups it merges, in this order (var_spec_<group>.sql beside it, one `spec_yaml` each), are
    the one place that lists them: `checked_var` validates each read against it, the on-run-start
    hook `check_vars` validates every var given before any table is touched, the defaults are dbt's
    own (dbt_project.yml `vars:`, which must list exactly these names, in this order) and
    docs/vars.md's var table is generated from it (`python -m sftmart.vars`, which reads the groups
    from the calls below).

    Types: integer and number (min, max; exclusive_min / exclusive_max make a bound open),
    boolean, enum (values), path (a file-system path: text without control characters), pattern
    (text matching `regex`), list (of `items`, a spec), bounds (a map from `keys` to [low, high]
    number pairs with low < high), object (a map whose keys are among `fields`, each a spec; the
    keys in `required` must be there). `nullable: true` also allows null. -#}
{% macro var_spec() %}
{% set spec = {} %}
{% do spec.update(var_spec_pipeline()) %}
{% do spec.update(var_spec_model()) %}
{% do spec.update(var_spec_experiment()) %}
{% do spec['arms']['items'].update({'values': experiment_arms() | list}) %}
{{ return(spec) }}
{% endmacro %}
