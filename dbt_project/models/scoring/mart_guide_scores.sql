-- Every candidate scored under the guide model (the base with the guide adapter merged in).
-- After the base scores: one scoring pass at a time shares the cores and the score cache.
-- depends_on: {{ ref('mart_base_scores') }}
{{ lm_scores(ref('mart_candidate_pool'),
             model_path_sql='(select merged_model_path from ' ~ ref('mart_guide_adapter') ~ ')') }}
