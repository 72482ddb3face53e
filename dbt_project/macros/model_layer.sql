{#- JSON model spec the scoring UDF and the training models understand. -#}
{% macro model_spec_json(path) -%}
{{ tojson({'path': path, 'dtype': var('model_dtype'), 'device': var('model_device'),
           'max_length': var('model_max_length') | int, 'trust_remote_code': var('trust_remote_code')}) }}
{%- endmacro %}

{#- Finished score batches persist here, beside the warehouse file (which is busy during the query). -#}
{% macro score_cache_path() -%}
{{ target.path }}.scores.sqlite
{%- endmacro %}

{#- Mean token entropy, NLL and perplexity of every candidate under the model at `model_path`:
    candidates go to the UDF as length-sorted lists (an arrow UDF sees at most 2048 rows a call,
    a list holds score_bucket_size samples) and the per-sample results are unnested. -#}
{% macro lm_scores(pool, model_path) -%}
{% if var('model_layer') %}
with samples as (
    select sample_id, lang, md5(prompt || chr(31) || response) as content_hash, prompt, response,
           length(prompt) + length(response) as n_chars
    from {{ pool }}
),

buckets as (
    select list({'sample_id': sample_id, 'content_hash': content_hash, 'prompt': prompt, 'response': response}
                order by n_chars, sample_id) as items
    from (select *, (row_number() over (order by n_chars, sample_id) - 1) // {{ var('score_bucket_size') }} as bucket
          from samples)
    group by bucket
),

scored as (
    select unnest(sftmart_lm_scores(items, '{{ model_spec_json(model_path) }}', '{{ var("score_scope") }}',
                                    '{{ score_cache_path() }}'), recursive := true)
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
