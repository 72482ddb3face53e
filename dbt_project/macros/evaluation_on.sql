{#- Whether the build has an evaluation set: false when the var eval_root is `none` (Python's side:
    sftmart.paths.EVAL_OFF), which turns evaluation and the experiment off: raw.eval_landing lands
    nothing, no model is evaluated, no arm is drawn or trained, and the funnel says so. -#}
{% macro evaluation_on() %}
{{ return(checked_var('eval_root') != 'none') }}
{% endmacro %}
