-- Every candidate scored under the base model (mean token entropy, NLL, perplexity) with its
-- signals: IFD (mean_nll / mean_nll_unconditional) and the embedding (FLOAT[d], from the same pass
-- unless embedding_model names a sentence-embedding directory).
-- After the guide's training, not beside it: with dbt threads > 1 the two would share the same
-- cores and hold two models in memory at once.
-- depends_on: {{ ref('guide_adapter') }}
{{ lm_scores(ref('mart_candidate_pool'), checked_var('base_model'), signals=true) }}
