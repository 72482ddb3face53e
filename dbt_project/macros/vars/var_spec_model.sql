{#- Vars of the model layer (models, scoring, the guide, learnability, LoRA training): one group of
    var_spec() (macros/vars/var_spec.sql says how a spec reads). -#}
{% macro var_spec_model() %}
{% set spec_yaml %}
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
score_sample_rows:
  type: integer
  min: 1
  max: 1000000000000
  nullable: true
  doc: "score a seeded sample of this many candidates (lowest hash of sample_seed and sample_id; the pool's language shares) and select the curated mix from it; the other candidates get `not_scored:outside_score_sample`; null = score every candidate. `sftmart plan --within` suggests it when scoring the whole pool would not fit"
ifd:
  type: enum
  values: [auto, always]
  doc: "IFD's second scoring pass (the response without its prompt, +~44% of base scoring): auto = only when the selection recipe may use it (an `ifd` step, or an order other than random, dsir and target_similarity: a module visits rows by quality then IFD, a column order may name it); always = in every build, for ad-hoc analysis"
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
{% endset %}
{{ return(fromyaml(spec_yaml)) }}
{% endmacro %}
