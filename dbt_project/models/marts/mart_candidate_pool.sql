-- depends_on: {{ ref('validate_intermediate') }}
-- Every sample that survived cleaning, language tagging, the quality filters, dedup and evaluation
-- decontamination (int_samples_decontaminated) and that training can take: no longer than
-- model_max_length in the training tokenizer (int_samples_tokenized.fits_training; the others leave
-- here with reason too_long_for_training, so no mix counts a sample training would drop).
select
    t.sample_id,
    c.source_collection,
    c.source_file,
    t.lang,
    l.lang_score,
    c.instruction,
    c.input,
    c.output,
    c.prompt,
    c.output as response,
    q.n_chars,
    q.n_words,
    q.alnum_ratio,
    q.char_rep_ratio,
    q.word_rep_ratio,
    q.special_char_ratio,
    q.flagged_word_ratio,
    q.max_line_length,
    q.quality_score,
    t.n_prompt_tokens,
    t.n_response_tokens,
    t.n_tokens
from {{ ref('int_samples_tokenized') }} as t
inner join {{ ref('int_records_cleaned') }} as c using (sample_id)
inner join {{ ref('int_records_lang_tagged') }} as l using (sample_id)
inner join {{ ref('int_records_quality_scored') }} as q using (sample_id)
inner join {{ ref('int_samples_decontaminated') }} as d using (sample_id)
where d.is_kept and t.fits_training
