-- The target examples other nodes read (DSIR's target model, the target/eval overlap check, and
-- decontamination, through int_heldout_records_unioned): one row per English or Chinese target
-- example with an instruction and an output. Its first three columns (target_id, lang, sample_text)
-- line up with the evaluation rows.
select
    target_id,
    lang,
    sample_text,
    target_set,
    source_file,
    position,
    prompt,
    instruction,
    input,
    output as response,
    exact_hash
from {{ ref('int_target_records_tagged') }}
where exclusion_reason is null
