-- Every mix drawn toward the target examples, with the target's provenance (int_target_provenance):
-- the training mix when its selection recipe orders by a target-aware signal (recipe_uses_target),
-- and each (arm, seed) of an arm that needs a target (macros/experiment_arms.sql; mart_arm_mixes).
-- seed is null for the training mix. No rows without a target.
with provenance as (
    select * from {{ ref('int_target_provenance') }}
),

mixes as (
    {%- if recipe_uses_target() %}
    select 'training_mix' as mix, null::bigint as seed, count(*) as n_samples, sum(n_tokens) as n_tokens
    from {{ ref('mart_training_mix') }}
    union all
    {%- endif %}
    select arm as mix, seed, count(*) as n_samples, sum(n_tokens) as n_tokens
    from {{ ref('mart_arm_mixes') }}
    where {{ is_target_arm('arm') }}
    group by arm, seed
)

select m.mix, m.seed, m.n_samples, m.n_tokens, p.target_root, p.target_rows, p.target_content_hash
from mixes as m
cross join provenance as p
