{#- Vars of evaluation, target examples, the experiment's arms, selection and compute: one group of
    var_spec() (macros/vars/var_spec.sql says how a spec reads). -#}
{% macro var_spec_experiment() %}
{% set spec_yaml %}
eval_root:
  type: path
  doc: "held-out evaluation files (same shapes as `raw_root`; records may carry `options` and `answer`); empty = the bundled `sample_data/eval`; a folder that yields no evaluation record fails the build; `none` = no evaluation set: evaluation and the experiment are off (the funnel and the report say so)"
target_root:
  type: path
  doc: "a few examples of the task the user cares about (same shapes as `raw_root`), landed like the evaluation set; they never train and steer target-aware selection (`order by: dsir` or `target_similarity`); empty = no target"
eval_generation_samples:
  type: integer
  min: 0
  max: 100000
  doc: greedy generations per evaluation set and language scored by ROUGE-L (0 = none)
eval_max_new_tokens:
  type: integer
  min: 1
  max: 4096
  doc: longest greedy generation for ROUGE-L, in tokens
ratio_policy:
  type: enum
  values: [hold, fill]
  doc: "hold = when a language cannot fill its share, the budget shrinks until the ratio holds; fill = take what there is (the ratio drifts)"
arms:
  type: list
  items: {type: enum}   # values: the arms of macros/experiment_arms.sql, filled in by var_spec()
  doc: "experiment arms trained and evaluated at the mix's budget and ratio (`sftmart experiment`); empty = none"
arm_seeds:
  type: list
  min_items: 1
  items: {type: integer, min: 0, max: 2147483647}
  doc: each arm is drawn and trained once per seed
random_draws:
  type: integer
  min: 0
  max: 1000
  doc: "the random arm is drawn this many times (its seeds: arm_seeds, then the next integers), the K random mixes every arm is ranked among (beats r of K); 0 = once per arm seed"
arm_budget_fractions:
  type: list
  min_items: 1
  items: {type: number, min: 0, max: 1, exclusive_min: true}
  doc: "each arm is drawn at each of these shares of the mix's budget (per language), so every arm gets a loss curve over trained tokens (mart_arm_curve); [1.0] = the budget only"
embedding_model:
  type: path
  doc: "`base` = mean-pooled final hidden state of the base model (same pass as the scores), or a local sentence-embedding model directory"
quality_model:
  type: path
  doc: "a local Hugging Face sequence-classification directory (e.g. a DeBERTa reward model) scoring every candidate; empty = off"
semantic_dedup_threshold:
  type: number
  min: 0
  max: 1
  exclusive_min: true
  doc: samples of one language whose embeddings' cosine similarity is at least this are semantic duplicates
target_similarity_k:
  type: integer
  min: 1
  max: 100000
  doc: "`order by: target_similarity` and the `target_embed` arm score each candidate by its mean cosine to this many nearest target examples of its language (fewer when the language has fewer)"
selection_recipe:
  type: list
  min_items: 1
  items:
    type: object
    required: [step]
    fields:
      step: {type: enum, values: [learnability, ifd, perplexity, quality, order]}
      min: {type: number, nullable: true}
      max: {type: number, nullable: true}
      by: {type: pattern, regex: "[a-z_][a-z0-9_]{0,62}( desc| asc)?"}   # which names exist: mart_selection_order
      threshold: {type: number, min: 0, max: 1}
  doc: "the mix's selection as ordered steps: filters (learnability, ifd / perplexity / quality ranges), then one `order` (random, a score column, dsir: importance resampling toward `target_root`, target_similarity: embedding similarity toward it, or the module of that name in `udfs/selection/orders/`, e.g. kcenter, deita), then the ratio budget"
compute:
  type: object
  required: [backend]
  fields:
    backend: {type: enum, values: [local, ray]}
    address: {type: pattern, regex: "auto|local|(ray://)?[A-Za-z0-9_.-]{1,253}(:[0-9]{1,5})?"}
    workers: {type: integer, min: 1, max: 4096}
    gpus_per_worker: {type: number, min: 0, max: 64}
    cpus_per_worker: {type: number, min: 0, max: 1024}
    work_dir: {type: path}
    shard_rows: {type: integer, min: 1, max: 1000000}
  doc: "where the model-heavy nodes run (scoring, encoders, LoRA training, evaluation): `{backend: local}` in-process, or `{backend: ray, address: ..., workers: N, gpus_per_worker: G}` on a Ray cluster (address auto/local/HOST:PORT/ray://HOST:PORT; cpus_per_worker 1; work_dir a path or URL every node reads, default `<warehouse>.sftmart/ray`; shard_rows 1024 per Parquet shard)"
{% endset %}
{{ return(fromyaml(spec_yaml)) }}
{% endmacro %}
