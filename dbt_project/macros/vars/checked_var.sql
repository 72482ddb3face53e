{#- Vars reach SQL only through these macros: `checked_var(name)` returns a var's value after
    checking it against `var_spec()`, and `sql_literal(value)` renders a checked value as a SQL
    literal (strings quoted, never pasted). `check_vars()` runs on-run-start and checks every var
    given, so a wrong value fails the run before any table is touched, naming the var, the value
    and what is allowed. -#}

{% macro is_number(value) -%}
{{ return(value is not boolean and (value is integer or value is float) and value - value == 0) }}
{%- endmacro %}

{#- What `spec` allows, in words, for error messages. -#}
{% macro allowed_text(spec) -%}
{%- set t = spec.type -%}
{%- if t in ('integer', 'number') -%}
    {%- set lo = ('> ' if spec.get('exclusive_min') else '>= ') ~ spec.min if spec.min is defined else none -%}
    {%- set hi = ('< ' if spec.get('exclusive_max') else '<= ') ~ spec.max if spec.max is defined else none -%}
    {%- set text = ('an integer' if t == 'integer' else 'a finite number') ~ ([lo, hi] | reject('none') | list | length > 0
        and (' ' ~ ([lo, hi] | reject('none') | join(' and '))) or '') -%}
{%- elif t == 'boolean' -%}{%- set text = 'true or false' -%}
{%- elif t == 'enum' -%}{%- set text = 'one of ' ~ spec['values'] | join(', ') -%}
{%- elif t == 'path' -%}{%- set text = 'a path (text without control characters, at most 4096 characters)' -%}
{%- elif t == 'pattern' -%}{%- set text = 'text matching ' ~ spec.regex -%}
{%- elif t == 'list' -%}{%- set text = 'a list of at least ' ~ spec.get('min_items', 0) ~ ' items, each ' ~ allowed_text(spec['items']) -%}
{%- elif t == 'bounds' -%}{%- set text = 'a map from ' ~ spec['keys'] | join(' or ') ~ ' to [low, high] with ' ~ spec.min ~ ' <= low < high' -%}
{%- elif t == 'object' -%}
    {%- set parts = [] -%}
    {%- for key, field in spec['fields'].items() -%}
        {%- do parts.append(key ~ ('' if key in spec.get('required', []) else '?') ~ ': ' ~ allowed_text(field)) -%}
    {%- endfor -%}
    {%- set text = 'a map with only these keys {' ~ parts | join('; ') ~ '}' -%}
{%- endif -%}
{{ return(text ~ (' or null' if spec.get('nullable') else '')) }}
{%- endmacro %}

{#- True when `value` is allowed by `spec`. -#}
{% macro var_allows(spec, value) -%}
{%- set t = spec.type -%}
{%- if value is none -%}{{ return(spec.get('nullable', false)) }}{%- endif -%}
{%- if t in ('integer', 'number') -%}
    {%- if not is_number(value) or (t == 'integer' and value is not integer) -%}{{ return(false) }}{%- endif -%}
    {%- if spec.min is defined and (value < spec.min or (spec.get('exclusive_min') and value == spec.min)) -%}{{ return(false) }}{%- endif -%}
    {%- if spec.max is defined and (value > spec.max or (spec.get('exclusive_max') and value == spec.max)) -%}{{ return(false) }}{%- endif -%}
    {{ return(true) }}
{%- elif t == 'boolean' -%}{{ return(value is boolean) }}
{%- elif t == 'enum' -%}{{ return(value is string and value in spec['values']) }}
{%- elif t == 'path' -%}
    {{ return(value is string and value | length <= 4096 and not modules.re.search('[\\x00-\\x1f\\x7f]', value)) }}
{%- elif t == 'pattern' -%}{{ return(value is string and modules.re.fullmatch(spec.regex, value) is not none) }}
{%- elif t == 'list' -%}
    {%- if value is string or value is mapping or value is not sequence or value | length < spec.get('min_items', 0) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for item in value -%}{%- if not var_allows(spec['items'], item) -%}{{ return(false) }}{%- endif -%}{%- endfor -%}
    {{ return(true) }}
{%- elif t == 'bounds' -%}
    {%- if value is not mapping -%}{{ return(false) }}{%- endif -%}
    {%- for key, pair in value.items() -%}
        {%- if key not in spec['keys'] or pair is string or pair is mapping or pair is not sequence or pair | length != 2 -%}
            {{ return(false) }}
        {%- endif -%}
        {%- if not (is_number(pair[0]) and is_number(pair[1]) and spec.min <= pair[0] < pair[1]) -%}{{ return(false) }}{%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- elif t == 'object' -%}
    {%- if value is not mapping -%}{{ return(false) }}{%- endif -%}
    {%- for key in spec.get('required', []) -%}{%- if key not in value -%}{{ return(false) }}{%- endif -%}{%- endfor -%}
    {%- for key, item in value.items() -%}
        {%- if key not in spec['fields'] or not var_allows(spec['fields'][key], item) -%}{{ return(false) }}{%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endif -%}
{{ exceptions.raise_compiler_error("var_spec: unknown type " ~ t) }}
{%- endmacro %}

{#- The problem with var `name`, or none. -#}
{% macro var_problem(name, spec_all) -%}
{%- if name not in spec_all -%}
    {{ return("unknown var '" ~ name ~ "' (known vars: " ~ spec_all.keys() | sort | join(', ') ~ ")") }}
{%- endif -%}
{%- set value = var(name) -%}
{%- if var_allows(spec_all[name], value) -%}{{ return(none) }}{%- endif -%}
{{ return("var '" ~ name ~ "' = " ~ tojson(value) ~ " is not allowed: expected " ~ allowed_text(spec_all[name])) }}
{%- endmacro %}

{% macro checked_var(name) -%}
{%- if var_problem(name, var_spec()) -%}{%- do check_vars() -%}{%- endif -%}
{{ return(var(name)) }}
{%- endmacro %}

{#- A checked value as a SQL literal: numbers and booleans as themselves, text quoted. -#}
{% macro sql_literal(value) -%}
{%- if value is none -%}null
{%- elif value is boolean -%}{{ 'true' if value else 'false' }}
{%- elif is_number(value) -%}{{ value }}
{%- elif value is string -%}'{{ value | replace("'", "''") }}'
{%- else -%}{{ exceptions.raise_compiler_error("sql_literal: no literal for " ~ tojson(value)) }}
{%- endif -%}
{%- endmacro %}

{#- Problems between vars that are each allowed on their own. -#}
{% macro var_conflicts() -%}
{%- set problems = [] -%}
{%- set tokenizer, base_model = var('tokenizer'), var('base_model') -%}
{%- if var('model_layer') and tokenizer not in ('', 'default') and tokenizer != base_model -%}
    {%- do problems.append("var 'tokenizer' = " ~ tojson(tokenizer) ~ " would count the budgets with another tokenizer"
        ~ " than base_model = " ~ tojson(base_model) ~ " trains with, so no arm would train what it counts: leave"
        ~ " tokenizer 'default' (it then counts with base_model's tokenizer) or set it to base_model's path") -%}
{%- endif -%}
{{ return(problems) }}
{%- endmacro %}

{#- on-run-start: every var given on the command line and every declared var, checked at once. -#}
{% macro check_vars() -%}
{%- set spec_all = var_spec() -%}
{%- set given = invocation_args_dict.get('vars') or {} -%}
{%- if given is string -%}{%- set given = fromyaml(given) or {} -%}{%- endif -%}
{%- set problems = [] -%}
{%- for name in ((given.keys() | list) + (spec_all.keys() | list)) | unique -%}
    {%- set problem = var_problem(name, spec_all) -%}
    {%- if problem -%}{%- do problems.append(problem) -%}{%- endif -%}
{%- endfor -%}
{%- if not problems -%}
    {%- set problems = var_conflicts() -%}
{%- endif -%}
{%- if problems -%}
    {{ exceptions.raise_compiler_error("Wrong vars, nothing was built:\n  " ~ problems | join("\n  ")) }}
{%- endif -%}
select 1
{%- endmacro %}
