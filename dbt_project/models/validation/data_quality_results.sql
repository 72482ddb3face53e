{{ config(materialized='view', schema='marts') }}
-- Every Great Expectations result of every build, layer by layer: the history each layer's
-- validation node appends to (a view, so the rows of a build that failed validation show too).
{% for layer in ['raw', 'staging', 'intermediate', 'marts'] %}
    select
        run_id,
        validated_at,
        layer,
        suite,
        expectation,
        "column",
        severity,
        success,
        unexpected_count,
        details::json as details
    from {{ ref('validate_' ~ layer) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
