-- Every candidate scored under the base model (mean token entropy, NLL, perplexity).
{{ lm_scores(ref('mart_candidate_pool'), var('base_model')) }}
