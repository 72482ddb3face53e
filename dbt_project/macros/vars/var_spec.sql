{#- Every var the project reads: its type, the values it may take and what it means. This is the one
    place that lists them: `checked_var` validates each read against it, the on-run-start hook
    `check_vars` validates every var given before any table is touched, the defaults are dbt's own
    (dbt_project.yml `vars:`, which must list exactly these names) and docs/vars.md's var table is
    generated from it (`python -m sftmart.vars`).

    Types: integer and number (min, max; exclusive_min / exclusive_max make a bound open),
    boolean, enum (values), path (a file-system path: text without control characters), pattern
    (text matching `regex`), list (of `items`, a spec), bounds (a map from `keys` to [low, high]
    number pairs with low < high), object (a map whose keys are among `fields`, each a spec; the
    keys in `required` must be there). `nullable: true` also allows null. -#}
{% macro var_spec() %}
{% set spec_yaml %}
raw_root:
  type: path
  doc: "input folder, read recursively (.json arrays or objects, .jsonl); empty = the bundled `sample_data/alpaca-cot`"
max_record_bytes:
  type: integer
  min: 1
  max: 2147483647
  doc: records over this many bytes are quarantined
max_file_bytes:
  type: integer
  min: 1
  max: 1099511627776
  doc: files over this many bytes are quarantined whole
follow_external_symlinks:
  type: boolean
  doc: "follow symlinks in `raw_root` that point outside it (otherwise quarantined, never read)"
keep_languages:
  type: list
  min_items: 1
  items: {type: enum, values: [en, zh]}
  doc: languages that continue past language tagging
minhash_num_perm:
  type: integer
  min: 2
  max: 4096
  doc: MinHash permutations (near-dedup)
minhash_threshold:
  type: number
  min: 0
  max: 1
  exclusive_min: true
  exclusive_max: true
  doc: Jaccard similarity at which two samples are near-duplicates
minhash_seed:
  type: integer
  min: 0
  max: 4294967295
  doc: MinHash permutation seed
tokenizer:
  type: path
  doc: "counts every token budget: `default` = base_model's tokenizer (SmolLM2-135M's when base_model is `default`), or a local Hugging Face tokenizer directory (refused while model_layer is on unless it is base_model's path, so budgets count what training tokenises)"
count_response_tokens:
  type: boolean
  doc: false reproduces the competition kit, which counted prompt tokens only
token_budget:
  type: integer
  min: 1
  max: 1000000000000
  doc: tokens in the training mix
en_ratio:
  type: number
  min: 0
  max: 1
  doc: "English share of the budget (the rest is Chinese); one-language data: 1 (English only) or 0 (Chinese only)"
sample_seed:
  type: integer
  min: 0
  max: 2147483647
  doc: the mix (and training) is deterministic for a seed
max_shrink_share:
  type: number
  min: 0
  max: 1
  doc: "a run that would shrink a published table or view by more than this share of its rows publishes nothing (an empty one never publishes)"
max_build_hours:
  type: number
  min: 0
  exclusive_min: true
  max: 100000
  doc: "`sftmart build` stops before anything runs when its plan (`sftmart plan`) exceeds this many hours, printing the plan and how to go on (`--yes`, a larger value, or the changes `sftmart plan --within` suggests); plain `dbt build` ignores it"
model_layer:
  type: boolean
  doc: guide model, scoring, learnability filter and LoRA training; false = every candidate is learnable, nothing is trained
base_model:
  type: path
  doc: "`default` = SmolLM2-135M-Instruct, or any local Hugging Face causal-LM directory"
model_dtype:
  type: enum
  values: [auto, float32, bfloat16, float16]
  doc: auto = bf16 on CUDA, fp32 on CPU
model_device:
  type: pattern
  regex: "auto|cpu|mps|cuda(:[0-9]{1,3})?"
  doc: auto = CUDA when present
model_max_length:
  type: integer
  min: 16
  max: 1048576
  doc: "tokens per sample (prompt with special tokens + response + eos, in the training tokenizer): longer samples leave the candidate pool (too_long_for_training), since training drops them, never truncates; scoring and evaluation cut longer inputs from the left of the prompt"
trust_remote_code:
  type: boolean
  doc: let Hugging Face run a model directory's own code
score_scope:
  type: enum
  values: [response, prompt]
  doc: score the response given the prompt, or the prompt (what the FT-Data-Ranker entry did)
score_bucket_size:
  type: integer
  min: 1
  max: 2048
  doc: samples per list handed to the scoring UDF (sorted by length)
guide_token_budget:
  type: integer
  min: 1
  max: 1000000000000
  doc: tokens in the guide model's training sample
guide_en_ratio:
  type: number
  min: 0
  max: 1
  doc: English share of the guide sample
guide_learning_rate:
  type: number
  min: 0
  max: 1
  exclusive_min: true
  doc: "the guide's LoRA learning rate (the final adapter's is `learning_rate`): the guide has a few steps to move, so it takes a larger one"
guide_epochs:
  type: integer
  min: 1
  max: 1000
  doc: the guide's training epochs (the final adapter's are `epochs`)
guide_max_steps:
  type: integer
  min: 1
  max: 100000000
  nullable: true
  doc: "cap on the guide's optimiser steps; null = the final adapter's `max_steps` (so the bundled-sample run's cap holds for both)"
guide_lora_r:
  type: integer
  min: 1
  max: 1024
  doc: the guide's LoRA rank (the final adapter's is `lora_r`)
guide_lora_alpha:
  type: number
  min: 0
  exclusive_min: true
  max: 100000
  doc: the guide's LoRA alpha (the final adapter's is `lora_alpha`)
guide_heldout_rows:
  type: integer
  min: 0
  max: 1000000
  doc: "guide-sample rows (lowest seeded hash of sample_id) the guide never trains on; its run records their loss before and after training (training_runs.heldout_loss_*); at most half the guide sample; with `guide_cross_fit` each guide measures this many rows of the other half, and trains on all of its own"
guide_cross_fit:
  type: boolean
  doc: "score learnability out of sample: two guides, each trained on one half of the guide sample (by a seeded hash of sample_id), each scoring the pool rows of the other half's hash (the other guide-sample half and its share of the rest of the pool); false = one guide scores everything, its own training rows in sample (flagged in mart_sample_learnability.guide_in_sample)"
learnability_rule:
  type: enum
  values: [entropy_drop, top_fraction]
  doc: "keep H_guide < H_base, or the highest relative loss drops (`learnability_top_fraction`)"
learnability_top_fraction:
  type: number
  min: 0
  max: 1
  exclusive_min: true
  doc: share kept per language by the top_fraction rule
perplexity_bounds:
  type: bounds
  keys: [en, zh]
  min: 0
  doc: "optional base-perplexity bounds per language, e.g. `{\"en\": [1, 200]}`"
lora_r:
  type: integer
  min: 1
  max: 1024
  doc: LoRA rank
lora_alpha:
  type: number
  min: 0
  exclusive_min: true
  max: 100000
  doc: LoRA alpha
lora_dropout:
  type: number
  min: 0
  max: 1
  exclusive_max: true
  doc: LoRA dropout
learning_rate:
  type: number
  min: 0
  max: 1
  exclusive_min: true
  doc: LoRA learning rate
epochs:
  type: integer
  min: 1
  max: 1000
  doc: training epochs
train_batch_size:
  type: integer
  min: 1
  max: 65536
  doc: samples per micro-batch
grad_accumulation:
  type: integer
  min: 1
  max: 65536
  doc: micro-batches per optimiser step
checkpoint_seconds:
  type: number
  min: 1
  max: 86400
  doc: a training run saves a checkpoint at least this often (seconds of training); a killed run resumes from it
max_steps:
  type: integer
  min: 1
  max: 100000000
  nullable: true
  doc: cap on optimiser steps (null = none; the bundled-sample run sets it to stay quick)
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
  items: {type: enum}   # values: the arms of macros/experiment_arms.sql, filled in below
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
      by: {type: pattern, regex: "random|kcenter|deita|dsir|target_similarity|[a-z_][a-z0-9_]{0,62}( desc| asc)?"}
      threshold: {type: number, min: 0, max: 1}
  doc: "the mix's selection as ordered steps: filters (learnability, ifd / perplexity / quality ranges), then one `order` (random, a score column, kcenter, deita, dsir: importance resampling toward `target_root`, target_similarity: embedding similarity toward it), then the ratio budget"
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
{% set spec = fromyaml(spec_yaml) %}
{% do spec['arms']['items'].update({'values': experiment_arms() | list}) %}
{{ return(spec) }}
{% endmacro %}
