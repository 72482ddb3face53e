-- Each experiment arm against the random arm at the same budget fraction and ratio, per evaluation
-- set, language and metric (mart_arm_comparison then decides the primary metric from per-item
-- NLLs): mean over the paired seeds, the paired mean difference with its 95% t interval over seeds,
-- a verdict ('not comparable' for an arm whose real tokens are not random's), and the counted, real
-- and trained tokens of each arm: counted and real from its mixes, trained from this build's arm
-- runs as training_runs records them (the arm_comparison macro says how).
{%- set runs -%}
(select a.arm, a.seed, a.budget_fraction, r.tokens_seen, r.n_dropped_over_length
 from {{ ref('mart_arm_adapters') }} as a
 inner join {{ ref('training_runs') }} as r using (run_id))
{%- endset %}
{{ arm_comparison(ref('mart_eval_results'), ref('mart_arm_mixes'), runs) }}
