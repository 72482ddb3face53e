"""Data-Juicer style quality statistics of texts, and the exact-dedup key, as Arrow UDFs.

`quality_stats(texts, langs)` (quality.py) returns, per text, a struct of

  n_chars, n_words, alnum_ratio, char_rep_ratio, word_rep_ratio,
  special_char_ratio, flagged_word_ratio, max_line_length

computed the way Data-Juicer's filters compute them (alphanumeric_filter with
tokenization=False, character_repetition_filter and word_repetition_filter with rep_len=10,
special_characters_filter, flagged_words_filter). tests/quality_oracle.py writes the same formulas
literally in pure Python; the kernels are tested against it. `exact_keys(texts)` (exact_key.py) is
the exact-dedup key.

One numba kernel per batch decodes Arrow's UTF-8 buffers (udfs/arrow_text.py) and works on code
points: per-code-point lookup tables (tables.py: alphanumeric, special, whitespace, CJK,
punctuation, lowercase) for the ratios (words.py), and 64-bit hashes of the 10-grams (hashing.py),
counted in a hash table, for the repetition ratios (repetition.py).

Words: for lang 'zh' every CJK-script character is a word of its own and every run of other
non-whitespace characters is a word; for any other lang the words are `str.split()`'s. Only
for flagged-word matching (en) are leading/trailing punctuation stripped and words lowercased.

Deviations from Data-Juicer (documented, deliberate):
  * words are the ones above, not Data-Juicer's (sentencepiece for zh; lowercased words stripped
    of SPECIAL_CHARACTERS for word_repetition and flagged_words);
  * 'zh' flagged_word_ratio counts non-overlapping substring occurrences of each term divided by
    n_words; 'other' has no list, its flagged_word_ratio is 0.0;
  * n-grams are compared by 64-bit hash, so a hash collision (odds ~n^2 / 2^64 per text) could
    merge two different n-grams.
"""

from udfs.text_stats.exact_key import exact_keys
from udfs.text_stats.quality import ARROW_TYPE, FIELD_NAMES, REP_LEN, RESULT_TYPE, quality_stats

__all__ = ["ARROW_TYPE", "FIELD_NAMES", "REP_LEN", "RESULT_TYPE", "exact_keys", "quality_stats"]
