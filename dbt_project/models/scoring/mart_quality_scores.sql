-- Every candidate's quality score under the `quality_model` directory (a reward model's logit, or
-- the probability of label 1 of a two-label classifier); null scores when quality_model is ''.
-- After the guide scores: one model pass at a time shares the cores and the score cache.
-- depends_on: {{ ref('mart_guide_scores') }}
{{ quality_scores(ref('mart_candidate_pool')) }}
