-- The target examples (int_target_records) embedded by the encoder that embeds the candidates
-- (mart_base_scores: the base model's mean-pooled final hidden state, or embedding_model's), through
-- the same macro, pass and score cache (IFD's second pass skipped), so a target row and a candidate
-- are points of one space. Null embeddings with the model layer off; no rows without a target.
-- After the base scores, not beside them: the two would share the cores and load the model twice.
-- depends_on: {{ ref('mart_base_scores') }}
with scored as (
    {{ lm_scores('(select target_id as sample_id, lang, prompt, response from ' ~ ref('int_target_records') ~ ') as t',
                 checked_var('base_model'), signals=true, embedding_only=true) }}
)

select sample_id as target_id, lang, n_tokens, embedding
from scored
