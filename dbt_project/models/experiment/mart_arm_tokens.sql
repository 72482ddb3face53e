-- The tokens of each experiment arm's mix per seed and budget fraction: per language, and per whole
-- mix (lang null) with what its LoRA run trained on (this build's arm runs as training_runs records
-- them). The one place these totals are computed (the arm_tokens macro says how):
-- int_arm_metrics_compared, `sftmart experiment` and the report read them.
{%- set runs -%}
(select a.arm, a.seed, a.budget_fraction, r.tokens_seen, r.n_dropped_over_length
 from {{ ref('arm_adapters') }} as a
 inner join {{ ref('training_runs') }} as r using (run_id))
{%- endset %}
{{ arm_tokens(ref('mart_arm_mixes'), runs) }}
