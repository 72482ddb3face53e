{#- JSON model spec the scoring UDF and the training models understand. -#}
{% macro model_spec_json(path) -%}
{{ tojson({'path': path, 'dtype': checked_var('model_dtype'), 'device': checked_var('model_device'),
           'max_length': checked_var('model_max_length'), 'trust_remote_code': checked_var('trust_remote_code')}) }}
{%- endmacro %}

{#- Finished score batches persist in the warehouse's own folder (<warehouse>.sftmart/scores.sqlite,
    see sftmart.paths), which outlives every build copy; a SQL expression (udfs/plugin.py says where). -#}
{% macro score_cache_path() -%}
sftmart_warehouse_state_dir() || '/scores.sqlite'
{%- endmacro %}

{#- The model spec as a SQL expression: the model at `model_path` (a checked value), or at the path
    the SQL expression `model_path_sql` gives when the build runs (the merged guide model: a
    scalar subquery on the node that made it, so the path reaches scoring through `ref`). -#}
{% macro model_spec_sql(model_path=none, model_path_sql=none) -%}
{%- if model_path_sql is none -%}
{{ sql_literal(model_spec_json(model_path)) }}
{%- else -%}
json_merge_patch({{ sql_literal(model_spec_json('')) }},
                 json_object('path', coalesce({{ model_path_sql }}, error('no model path: ' || {{ sql_literal(model_path_sql) }}))))::varchar
{%- endif -%}
{%- endmacro %}

{#- Mean token entropy, NLL and perplexity of every candidate under the model at `model_path` (or
    at `model_path_sql`, see model_spec_sql): candidates go to the UDF as length-sorted lists (an
    arrow UDF sees at most 2048 rows a call, a list holds score_bucket_size samples) and the
    per-sample results are unnested. -#}
{% macro lm_scores(pool, model_path=none, model_path_sql=none) -%}
{% if checked_var('model_layer') %}
with samples as (
    select sample_id, lang, md5(prompt || chr(31) || response) as content_hash, prompt, response,
           length(prompt) + length(response) as n_chars
    from {{ pool }}
),

buckets as (
    select list({'sample_id': sample_id, 'content_hash': content_hash, 'prompt': prompt, 'response': response}
                order by n_chars, sample_id) as items
    from (select *, (row_number() over (order by n_chars, sample_id) - 1) // {{ sql_literal(checked_var('score_bucket_size')) }} as bucket
          from samples)
    group by bucket
),

scored as (
    select unnest(sftmart_lm_scores(items, {{ model_spec_sql(model_path, model_path_sql) }},
                                    {{ sql_literal(checked_var('score_scope')) }}, {{ score_cache_path() }}), recursive := true)
    from buckets
)

select s.sample_id, p.lang, s.n_tokens, s.mean_entropy, s.mean_nll, s.perplexity
from scored as s
inner join samples as p using (sample_id)
{% else %}
select sample_id, lang, null::bigint as n_tokens, null::double as mean_entropy, null::double as mean_nll,
       null::double as perplexity
from {{ pool }}
{% endif %}
{%- endmacro %}
