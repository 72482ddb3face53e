-- Every held-out record decontamination keeps out of training (int_eval_records_keyed,
-- int_eval_ngrams_hashed, then int_samples_eval_matched): the evaluable evaluation records and the
-- target examples (target_root), both cleaned by the training data's cleaning. A target example is
-- an evaluation set of its own here, `target`, with eval_id 'target:' || target_id (the two roots
-- hash their own relative paths, so their ids could meet): a training row that copies one leaves the
-- pool as eval_contamination with detail `<rule>:target`.
{{ config(materialized='table') }}
select r.eval_id, r.eval_set, c.lang, c.instruction, c.input, c.output, c.sample_text, c.options
from {{ ref('int_eval_records_cleaned') }} as c
inner join {{ ref('int_eval_records_filtered') }} as r using (eval_id)

union all

select
    'target:' || target_id as eval_id,
    'target' as eval_set,
    lang,
    instruction,
    input,
    response as output,
    sample_text,
    cast(null as varchar[]) as options
from {{ ref('int_target_records') }}
