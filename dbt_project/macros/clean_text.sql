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
