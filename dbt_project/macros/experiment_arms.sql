{#- The experiment's arms: the one place that lists them. Each arm's draw is one branch of
    models/experiment/mart_arm_mixes.sql; everything else reads this list: the var spec's allowed
    `arms` (macros/vars/var_spec.sql), the comparison's arm filter (arm_comparison), the test that
    mart_arm_mixes holds only listed arms, and in Python sftmart.vars.experiment_arms (the CLI's
    `--arms` choices and default, the report's arm order). Fields: counts = the column the arm counts
    against the budget (n_tokens unless the arm says otherwise); needs_target = the arm draws toward
    target_root's examples, so it runs only when named and never by default; doc = what it draws. -#}
{% macro experiment_arms() %}
{% set arms_yaml %}
curated:
  doc: the training mix's sampler over curated_pool() in its order
random:
  doc: the ratio sampler over the whole candidate pool (no model filter)
length:
  doc: the longest responses first
kit:
  counts: n_prompt_tokens
  doc: "the FT-Data-Ranker kit's sampler: random order, the budget counted in prompt tokens only"
target_dsir:
  needs_target: true
  doc: DSIR toward target_root over the whole pool
target_embed:
  needs_target: true
  doc: "the embedding-similarity order toward target_root (marts.mart_target_similarity; model layer on)"
{% endset %}
{{ return(fromyaml(arms_yaml)) }}
{% endmacro %}
