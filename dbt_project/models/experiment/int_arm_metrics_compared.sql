-- Each experiment arm against the random arm at the same budget fraction and ratio, per evaluation
-- set, language and metric (mart_arm_comparison then decides the primary metric from per-item
-- NLLs): mean over the paired seeds, the paired mean difference with its 95% t interval over seeds,
-- a verdict ('not comparable' for an arm whose real tokens are not random's), and the counted, real
-- and trained tokens of each arm, read from mart_arm_tokens (its language rows as the mixes, its
-- whole-mix rows as the runs; the arm_comparison macro says how).
{%- set mixes -%}
(select arm, seed, budget_fraction, lang, real_tokens as n_tokens, counted_tokens
 from {{ ref('mart_arm_tokens') }} where lang is not null)
{%- endset %}
{%- set runs -%}
(select arm, seed, budget_fraction, trained_tokens as tokens_seen, n_dropped_over_length
 from {{ ref('mart_arm_tokens') }} where lang is null)
{%- endset %}
{{ arm_comparison(ref('mart_eval_results'), mixes, runs) }}
