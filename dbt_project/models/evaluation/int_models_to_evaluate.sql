-- The models mart_eval_results evaluates: the base model, the final adapter and every experiment
-- arm's adapter (one per arm, seed and budget fraction), with the training run (training_runs.run_id; null for the base
-- model). Adapters that were not trained (model layer off) are left out; no model at all without an
-- evaluation set (eval_root: none, macros/evaluation_on.sql).
{%- set evaluated = sql_literal(evaluation_on()) %}
with final_run as (
    select run_id, adapter_path from {{ ref('final_adapter') }}
    where adapter_path is not null and {{ evaluated }}
),

arm_runs as (
    select arm, seed, budget_fraction, run_id, adapter_path from {{ ref('arm_adapters') }}
    where adapter_path is not null and {{ evaluated }}
)

select
    'base' as model_run,
    'base' as arm,
    null::integer as seed,
    null::double as budget_fraction,
    null::varchar as run_id,
    null::varchar as adapter_path
where {{ sql_literal(checked_var('model_layer')) }} and {{ evaluated }}

union all

select
    'final:' || run_id as model_run,
    'final' as arm,
    null::integer as seed,
    null::double as budget_fraction,
    run_id,
    adapter_path
from final_run

union all

select
    'arm:' || arm || ':' || seed || ':' || run_id as model_run,
    arm,
    seed::integer as seed,
    budget_fraction,
    run_id,
    adapter_path
from arm_runs
