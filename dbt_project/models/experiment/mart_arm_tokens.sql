-- The tokens of each experiment arm's mix per seed: per language, and per whole mix (lang null) with
-- what its LoRA run trained on (this build's arm runs as training_runs records them). The one place
-- these totals are computed (the arm_tokens macro says how): mart_arm_comparison, `sftmart experiment`
-- and the report read them.
{%- set runs -%}
(select a.arm, a.seed, r.tokens_seen, r.n_dropped_over_length
 from {{ ref('mart_arm_adapters') }} as a
 inner join {{ ref('training_runs') }} as r using (run_id))
{%- endset %}
{{ arm_tokens(ref('mart_arm_mixes'), runs) }}
