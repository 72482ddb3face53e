-- Every LoRA training run, once (unique run_id), appended by dbt from the rows the adapter nodes
-- return (each describes its run). A run is recorded by the build that trained it; when that build
-- was killed or not published, by the next build that reuses its adapter (recorded_on_reuse).
-- heldout_loss_before/_after: a guide's mean loss on rows it did not train on (null for others).
-- The history is never rebuilt, not even by --full-refresh (new columns are appended to it).
{{ config(materialized='incremental', unique_key='run_id', full_refresh=false,
          on_schema_change='append_new_columns') }}

with adapter_runs as (
    select * from {{ ref('guide_adapter') }}
    union all by name
    select * from {{ ref('final_adapter') }}
    union all by name
    select * from {{ ref('arm_adapters') }}
)

select
    node, run_id, fingerprint, base_model, model_spec_json, model_fingerprint, config_json, data_fingerprint,
    data_source, n_samples, n_dropped_over_length, tokens_seen, steps, first_loss, last_loss, min_loss,
    tail_loss_mean, n_heldout, heldout_loss_before, heldout_loss_after, guide,
    adapter_path, started_at::timestamptz at time zone 'UTC' as started_at, seconds,
    status = 'reused' as recorded_on_reuse,
    -- the recipe that chose a curated mix's data: the final adapter's and the curated arms'
    case when node = 'final' or data_source like 'mart_arm_mixes:curated-%' then {{ selection_recipe_literal() }} end
        as selection_recipe,
    case when node = 'final' or data_source like 'mart_arm_mixes:curated-%' then {{ recipe_fingerprint_literal() }} end
        as recipe_fingerprint,
    current_timestamp at time zone 'UTC' as recorded_at,
    -- the target a target-aware mix was drawn toward (a target arm's mix, or the final
    -- adapter's mix when the recipe orders by dsir): int_target_provenance
    target.target_root,
    target.target_rows,
    target.target_content_hash
from adapter_runs
left join {{ ref('int_target_provenance') }} as target
    on {{ is_target_arm("regexp_extract(data_source, '^mart_arm_mixes:([a-z_]+)-', 1)") }}
    {%- if recipe_uses_target() %} or node = 'final'{% endif %}
where run_id is not null
{% if is_incremental() %}
    and run_id not in (select run_id from {{ this }})
{% endif %}
