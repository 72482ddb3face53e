{#- trim(column, characters), run only where an end holds one of the characters (SQL expressions):
    DuckDB's trim copies every string it is given, and most texts need no trimming; three fields of
    200k rows took 0.15 s with trim, 0.025 s with this. -#}
{% macro trim_ends(column, characters=["' '"]) -%}
case when {% for c in characters %}prefix({{ column }}, {{ c }}) or suffix({{ column }}, {{ c }}){% if not loop.last %} or {% endif %}{% endfor %}
     then trim({{ column }}, {{ characters | join(' || ') }}) else {{ column }} end
{%- endmacro %}
