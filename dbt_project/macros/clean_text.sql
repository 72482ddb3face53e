{#- Cleaning rules in the order they apply: (rule name, RE2 pattern, replacement SQL expression).
    The rule names are what `cleaning_rules` reports per row. -#}
{% macro cleaning_steps() -%}
{{ return([
    ('html_tags', '<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(\\s[^<>]*)?/?>', "''"),
    ('html_entities', '&lt;', "'<'"),
    ('html_entities', '&gt;', "'>'"),
    ('html_entities', '&quot;', "'\"'"),
    ('html_entities', '&#39;', "''''"),
    ('html_entities', '&nbsp;', "' '"),
    ('html_entities', '&amp;', "'&'"),
    ('links', "(https?|ftp)://[^\\s<>\"'']+|www\\.[^\\s<>\"'']+", "''"),
    ('emails', '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', "''"),
    ('control_chars', '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]', "''"),
    ('whitespace', '\\r\\n?', "chr(10)"),
    ('whitespace', '[\\t\\x{00A0}\\x{2000}-\\x{200B}\\x{3000}\\x{FEFF}]', "' '"),
    ('whitespace', '([^\\s]) {2,}', "'\\1 '"),
    ('whitespace', ' +\\n', "chr(10)"),
    ('whitespace', '\\n{3,}', "chr(10) || chr(10)"),
]) }}
{%- endmacro %}

{#- Double-escaped newlines: literal backslash-n sequences outnumber real newlines (Alpaca-CoT ships
    CoT text escaped twice; code that prints "\n" has real newlines around it). -#}
{% macro has_literal_newlines(column) -%}
((length({{ column }}) - length(replace({{ column }}, '\n', ''))) / 2
    > length({{ column }}) - length(replace({{ column }}, chr(10), '')))
{%- endmacro %}

{#- One pattern that matches wherever any cleaning step would change the text. -#}
{% macro any_cleaning_pattern() -%}
{%- set patterns = [] -%}
{%- for rule, pattern, replacement in cleaning_steps() -%}{%- do patterns.append(pattern) -%}{%- endfor -%}
{{ patterns | unique | join('|') }}
{%- endmacro %}

{#- The cleaning steps applied in order to an already prepared column: HTML tags removed and common
    entities decoded, links and e-mail addresses removed, control characters dropped, whitespace
    normalised while keeping leading indentation (code blocks). -#}
{% macro apply_cleaning_steps(column) -%}
{#- a namespace, because a plain `set` inside a Jinja loop does not outlive the iteration -#}
{%- set ns = namespace(expr=column) -%}
{%- for rule, pattern, replacement in cleaning_steps() -%}
    {%- set ns.expr = "regexp_replace(" ~ ns.expr ~ ", '" ~ pattern ~ "', " ~ replacement ~ ", 'g')" -%}
{%- endfor -%}
{{ ns.expr }}
{%- endmacro %}

{#- The step rules whose pattern occurs in any of the given (prepared) columns. -#}
{% macro cleaning_step_rules_fired(columns) -%}
{%- set patterns = {} -%}
{%- for rule, pattern, replacement in cleaning_steps() -%}
    {%- do patterns.update({rule: patterns.get(rule, []) + [pattern]}) -%}
{%- endfor -%}
list_filter([
  {%- for rule, rule_patterns in patterns.items() %}
    case when {% for c in columns %}regexp_matches({{ c }}, '{{ rule_patterns | join("|") }}'){% if not loop.last %} or {% endif %}{% endfor %} then '{{ rule }}' end{% if not loop.last %},{% endif %}
  {%- endfor %}
], lambda rule: rule is not null)
{%- endmacro %}

{#- The cleaning of text fields, as CTEs appended to a `with` list, so that training records
    (int_records_cleaned) and evaluation records (int_eval_records_cleaned) are cleaned by one
    definition. Reads the CTE `source` (every column kept) and ends in the CTE `stepped`, which adds
    per field f: f_before (the input), f_has_literal_newlines, f_unescaped (literal \n sequences made
    newlines when they outnumber real ones), f_prepared (NFC), f_needs_steps, f_stepped (after the
    cleaning steps) and f_cleaned (f_stepped with spaces and newlines trimmed from both ends); and
    had_literal_newlines for the row. -#}
{% macro cleaning_ctes(fields, source) -%}
newline_flags as (
    select
        *,
        {% for f in fields %}
        {{ has_literal_newlines(f) }} as {{ f }}_has_literal_newlines,
        {% endfor %}
    from {{ source }}
),

unescaped as (
    select
        *,
        {% for f in fields %}
        {{ f }} as {{ f }}_before,
        case when {{ f }}_has_literal_newlines then replace({{ f }}, '\n', chr(10)) else {{ f }} end
            as {{ f }}_unescaped,
        {% endfor %}
        (
            {% for f in fields -%}
            {{ f }}_has_literal_newlines{{ ' or' if not loop.last }}
            {% endfor -%}
        ) as had_literal_newlines
    from newline_flags
),

prepared as (
    select
        *,
        {% for f in fields %}
        nfc_normalize({{ f }}_unescaped) as {{ f }}_prepared,
        {% endfor %}
    from unescaped
),

flagged as (
    select
        *,
        {% for f in fields %}
        -- one scan decides whether the (slower) chain of cleaning steps is needed at all
        regexp_matches({{ f }}_prepared, '{{ any_cleaning_pattern() }}') as {{ f }}_needs_steps,
        {% endfor %}
    from prepared
),

steps_applied as (
    select
        *,
        {% for f in fields %}
        case when {{ f }}_needs_steps then {{ apply_cleaning_steps(f ~ '_prepared') }}
             else {{ f }}_prepared end as {{ f }}_stepped,
        {% endfor %}
    from flagged
),

stepped as (
    select
        *,
        {% for f in fields %}
        {{ trim_ends(f ~ '_stepped', ["' '", 'chr(10)']) }} as {{ f }}_cleaned,
        {% endfor %}
    from steps_applied
)
{%- endmacro %}
