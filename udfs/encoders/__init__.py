"""Scores and embeddings from a local Hugging Face encoder directory, cached by content, callable from SQL.

Two kinds of model, one way of running them (run.py), one cache (cache.py), two UDFs (udf.py):

* `quality`: a sequence-classification model (`AutoModelForSequenceClassification`, e.g. a DeBERTa
  reward model such as OpenAssistant's). quality_score = the logit when the model has one label
  (a reward model), the probability of label 1 (the positive class) when it has two; more labels
  are refused with an error, since no one score follows from them.
* `embedding`: a sentence-embedding model (`AutoModel`, e.g. all-MiniLM-L6-v2): the
  attention-masked mean of its final hidden state (sentence-transformers' mean pooling; no
  normalisation, which cosine similarity does not need).

Each sample is encoded as the pair (prompt, response), as reward models are used (`tokenizer(question,
answer)`), with the tokenizer's own special tokens, truncated 'longest_first' to the smallest of
the spec's max_length, the tokenizer's model_max_length and the model's max_position_embeddings.
Samples run in length-sorted batches bounded by padded tokens (right padding and an attention mask,
so a result does not depend on its batch neighbours), on CUDA when present (the model spec's dtype:
bf16 on CUDA, fp32 on CPU; outputs are fp32).

The model spec is `training.models.ModelSpec` as JSON, as for `udfs/lm_scoring`; the cache key is
(content_hash, fingerprint, kind) in the same SQLite file as the LM scores, the fingerprint covering
the model's files, dtype, max_length and ENCODER_VERSION.
"""

from udfs.encoders.cache import ENCODER_VERSION, KINDS, encode_with_cache, encoder_fingerprint
from udfs.encoders.run import encode_samples, load_encoder
from udfs.encoders.udf import (
    EMBEDDINGS_RESULT_TYPE,
    QUALITY_RESULT_TYPE,
    quality_scores_udf,
    text_embeddings_udf,
)

__all__ = [
    "EMBEDDINGS_RESULT_TYPE",
    "ENCODER_VERSION",
    "KINDS",
    "QUALITY_RESULT_TYPE",
    "encode_samples",
    "encode_with_cache",
    "encoder_fingerprint",
    "load_encoder",
    "quality_scores_udf",
    "text_embeddings_udf",
]
