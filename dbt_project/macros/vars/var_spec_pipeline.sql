{#- Vars of landing, cleaning, dedup, token counting, the mix budget and publishing: one group of
    var_spec() (macros/vars/var_spec.sql says how a spec reads). -#}
{% macro var_spec_pipeline() %}
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
{% endset %}
{{ return(fromyaml(spec_yaml)) }}
{% endmacro %}
