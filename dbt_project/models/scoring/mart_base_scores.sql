-- Every candidate to score (int_candidates_score_sampled) under the base model (mean token entropy,
-- NLL, perplexity) with its signals: the embedding (FLOAT[d], from the same pass unless
-- embedding_model names a sentence-embedding directory) and IFD (mean_nll / mean_nll_unconditional,
-- a second pass over the response alone; null unless the recipe uses it: macros/model_layer.sql
-- ifd_needed).
-- After the guide's training, not beside it: with dbt threads > 1 the two would share the same
-- cores and hold two models in memory at once.
-- depends_on: {{ ref('guide_adapter') }}
{{ lm_scores(ref('int_candidates_score_sampled'), checked_var('base_model'), signals=true) }}
