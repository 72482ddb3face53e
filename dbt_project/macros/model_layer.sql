{#- JSON model spec the scoring UDF and the training models understand; `compute` says where the LM
    scoring runs (compute/) and is a run option, outside the score cache's fingerprint. -#}
{% macro model_spec_json(path) -%}
{{ tojson({'path': path, 'dtype': checked_var('model_dtype'), 'device': checked_var('model_device'),
           'max_length': checked_var('model_max_length'), 'trust_remote_code': checked_var('trust_remote_code'),
           'compute': checked_var('compute')}) }}
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

{#- The pool as length-sorted lists of samples for the model UDFs (an arrow UDF sees at most 2048
    rows a call, a list holds score_bucket_size samples): CTEs `samples` and `buckets`. -#}
{% macro sample_buckets(pool) -%}
samples as (
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
)
{%- endmacro %}

{#- Width of the embeddings of the model spec `spec_json`, read from the model's config when the
    model runs (a fixed-size FLOAT[d] needs it in the SQL text); 1 while dbt only parses. -#}
{% macro embedding_dim(spec_json) -%}
{%- if execute -%}
{{ return(run_query('select sftmart_embedding_dim(' ~ sql_literal(spec_json) ~ ')').columns[0].values()[0]) }}
{%- else -%}
{{ return(1) }}
{%- endif -%}
{%- endmacro %}

{#- Whether the base scores need IFD's second pass (the response without its prompt): var ifd
    `always`, or the selection recipe uses it: an `ifd` step, or an order other than random, dsir
    and target_similarity (a module visits rows by quality then IFD; a column may name ifd). The
    plan's twin: sftmart.plan.costs.ifd_needed. -#}
{% macro ifd_needed() -%}
{%- set recipe = checked_var('selection_recipe') -%}
{%- set orders = recipe | selectattr('step', 'equalto', 'order') | list -%}
{%- set by = (orders[-1].get('by') or 'random') if orders else 'random' -%}
{{ return(checked_var('ifd') == 'always' or (recipe | selectattr('step', 'equalto', 'ifd') | list | length > 0)
          or by not in ['random', 'dsir', 'target_similarity']) }}
{%- endmacro %}

{#- Mean token entropy, NLL and perplexity of every candidate under the model at `model_path` (or
    at `model_path_sql`, see model_spec_sql): candidates go to the UDF as length-sorted lists and the
    per-sample results are unnested. With `signals`, also IFD (mean_nll_unconditional, ifd; null
    unless ifd_needed()) and the embedding FLOAT[d]: the base model's mean-pooled final hidden state
    from the same pass (embedding_model 'base'), or a sentence-embedding directory's
    (sftmart_text_embeddings). With `embedding_only`, IFD is null whatever the recipe. -#}
{% macro lm_scores(pool, model_path=none, model_path_sql=none, signals=false, embedding_only=false) -%}
{%- set own_embedding = checked_var('embedding_model') == 'base' -%}
{%- set with_ifd = not embedding_only and ifd_needed() -%}
{%- set lm_signals = (['ifd'] if with_ifd else []) + (['embedding'] if own_embedding else []) -%}
{% if checked_var('model_layer') %}
with {{ sample_buckets(pool) }},

scored as (
    {%- if signals %}
    select unnest(sftmart_lm_signals(items, {{ model_spec_sql(model_path, model_path_sql) }},
                                     {{ sql_literal(checked_var('score_scope')) }}, {{ score_cache_path() }},
                                     {{ sql_literal(lm_signals | join(',')) }}), recursive := true)
    {%- else %}
    select unnest(sftmart_lm_scores(items, {{ model_spec_sql(model_path, model_path_sql) }},
                                    {{ sql_literal(checked_var('score_scope')) }}, {{ score_cache_path() }}), recursive := true)
    {%- endif %}
    from buckets
){% if signals and not own_embedding %},

embedded as (
    select unnest(sftmart_text_embeddings(items, {{ sql_literal(model_spec_json(checked_var('embedding_model'))) }},
                                          {{ score_cache_path() }}), recursive := true)
    from buckets
){% endif %}

select s.sample_id, p.lang, s.n_tokens, s.mean_entropy, s.mean_nll, s.perplexity
{%- if signals %},
       s.mean_nll_unconditional, s.ifd,
       {{ 's' if own_embedding else 'e' }}.embedding::float[{{ embedding_dim(model_spec_json(model_path if own_embedding else checked_var('embedding_model'))) }}] as embedding
{%- endif %}
from scored as s
inner join samples as p using (sample_id)
{%- if signals and not own_embedding %}
inner join embedded as e using (sample_id)
{%- endif %}
{% else %}
select sample_id, lang, null::bigint as n_tokens, null::double as mean_entropy, null::double as mean_nll,
       null::double as perplexity
       {%- if signals %}, null::double as mean_nll_unconditional, null::double as ifd, null::float [] as embedding{% endif %}
from {{ pool }}
{% endif %}
{%- endmacro %}

{#- Quality score of every candidate under the sequence-classification model `quality_model`
    (udfs/encoders/ says what the score is); null scores when it is '' or the model layer is off. -#}
{% macro quality_scores(pool) -%}
{%- set quality_model = checked_var('quality_model') -%}
{% if checked_var('model_layer') and quality_model != '' %}
with {{ sample_buckets(pool) }},

scored as (
    select unnest(sftmart_quality_scores(items, {{ sql_literal(model_spec_json(quality_model)) }},
                                         {{ score_cache_path() }}), recursive := true)
    from buckets
)

select s.sample_id, p.lang, s.n_tokens, s.quality_score
from scored as s
inner join samples as p using (sample_id)
{% else %}
select sample_id, lang, null::bigint as n_tokens, null::double as quality_score
from {{ pool }}
{% endif %}
{%- endmacro %}
