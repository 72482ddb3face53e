"""Per-sample scores under a causal LM (mean token entropy, mean NLL, perplexity), callable from SQL.

Three layers, each usable on its own, each in its own module:

* `score_samples(model, tokenizer, prompts, responses, scope, signals=())` (scorer.py, with the
  sequences and batches of sequences.py) -- the scorer. One dict per sample:
  `n_tokens` (tokens scored), `mean_entropy`, `mean_nll`, `perplexity` (= exp(mean_nll)), in nats;
  with `signals` also `mean_nll_unconditional` and `ifd` ("ifd") and `embedding` ("embedding").
* `score_with_cache(cache_path, model_loader, fingerprint, items, scope)` (cache.py) -- the same
  behind a persistent SQLite cache keyed by (content_hash, fingerprint, scope). The model is loaded only if
  some item is missing, and every finished batch is committed before the next one starts, so a
  killed run loses at most one batch and a re-run scores only what is missing.
* `lm_scores_udf(items, model_spec, scope, cache_path)` (udf.py; model specs in specs.py) -- the
  DuckDB arrow UDF: one list of samples in, one list of scores out (registered as `sftmart_lm_scores`);
  `lm_signals_udf(..., signals)` (`sftmart_lm_signals`) adds the signals' fields.

What is scored
--------------
Prompt and response are tokenised separately, without special tokens, and concatenated; a BOS token
is prepended only when the tokenizer itself adds one (`add_special_tokens=True` puts it in front;
SmolLM2's does not). A token is scored from the model's distribution at the previous position:

* scope 'response' (default): every response token, given BOS + prompt + the response before it.
  Without BOS and with an empty prompt the first response token has no context and is not scored.
* scope 'prompt': the prompt alone (the response is not fed), every prompt token that has a
  token before it -- i.e. from the prompt's 2nd token without BOS -- as the FT-Data-Ranker entry
  scored instructions.

Signals (optional, so guide scoring does not pay for them):

* "ifd" -- Cherry LLM's instruction-following difficulty, IFD = mean_nll / mean_nll_unconditional.
  mean_nll is the score above (every response token given BOS + prompt); mean_nll_unconditional
  is the mean NLL of the response alone: BOS + response with every response token scored given
  BOS when the tokenizer adds a BOS, else the response alone with its first token unscored (nothing
  predicts it; Cherry LLM's and Superfiltering's `tokenizer.encode(output)` with labels = ids do
  the same). So without BOS (SmolLM2) the two means cover the response's tokens 1..n and 2..n.
  The unconditional sequences run in the same length-sorted batches as the conditional ones; their
  head computes the NLL only (logsumexp - target logit). Null with scope 'prompt' and for a
  one-token response without BOS. IFD >= 1: the prompt does not help predict the response.
* "embedding" -- the attention-masked mean of the final hidden state (`last_hidden_state` of
  `model.base_model`, after the final norm) over every token fed in the conditional pass (BOS if
  any, the prompt as kept by truncation, the response; the prompt alone with scope 'prompt'), taken
  from the same forward pass as the scores, pooled in fp32. Null when the sample is not scored.

Per scored token, log-probabilities come from `log_softmax` of fp32 logits; entropy
H = -sum_w exp(logp_w) * logp_w and NLL = -logp[target]. Per sample: means over scored tokens and
perplexity = exp(mean NLL). A sample with nothing to score has n_tokens = 0 and null scores.

Truncation rule (sequences longer than `max_length` tokens): tokens are dropped from the LEFT of the
prompt (BOS, if any, is kept), so the response keeps as much immediate context as fits. If the
whole response does not fit in `max_length` together with BOS and at least one prompt token (so
that every response token is scored with context), the sample is not scored (n_tokens = 0, null
scores) rather than scored on a fragment. With scope 'prompt' the last `max_length` tokens of
BOS + prompt are kept (BOS first).

How it runs
-----------
Samples are sorted by length and cut into batches by a budget of padded tokens; right padding, an
attention mask and explicit position ids 0..n-1 make every score independent of its batch
neighbours (to float rounding). The transformer body runs once per batch (`model.base_model`, no
logits); the LM head and log_softmax run only on the positions whose next token is scored, in
chunks of positions so the (positions x 49k vocab) logits stay within a fixed memory budget. On
CUDA the body runs in bf16 and the head + log_softmax in fp32; on CPU everything is fp32.

SQL pattern
-----------
The UDF wants many samples per call, so rows are grouped into length-ordered lists (neighbours of
similar length pad little) and the result is unnested back into rows. `content_hash` must change
whenever the scored text changes; a separator keeps ('ab', 'c') and ('a', 'bc') apart::

    with s as (
        select sample_id, md5(prompt || chr(31) || response) as content_hash, prompt, response,
               length(prompt) + length(response) as n_chars
        from pool),
    buckets as (
        select list({'sample_id': sample_id, 'content_hash': content_hash,
                     'prompt': prompt, 'response': response} order by n_chars) as items
        from (select *, (row_number() over (order by n_chars)) // 512 as bucket from s)
        group by bucket)
    select unnest(sftmart_lm_scores(items, '{"path": "default"}', 'response',
                                    '/path/to/warehouse.scores.sqlite'), recursive := true)
    from buckets

which yields columns sample_id, n_tokens, mean_entropy, mean_nll, perplexity.
`sftmart_lm_signals(items, spec, scope, cache, 'ifd,embedding')` takes the same arguments plus the
signals and yields mean_nll_unconditional, ifd and embedding (FLOAT[]; cast it to FLOAT[d], d =
`sftmart_embedding_dim(spec)`, for DuckDB's array functions) besides. The model spec is
`training.models.ModelSpec` as JSON: {"path": "default" | local HF dir, "dtype": "auto",
"device": "auto", "max_length": 1024, "trust_remote_code": false}; optional extra keys
"max_tokens_per_batch" (int) and "progress" (bool) tune the run without changing the cache key.
The cache lives in its own SQLite file (the warehouse uses `<warehouse>.sftmart/scores.sqlite`) because
the DuckDB file is busy inside the query that calls the UDF.
"""

from udfs.lm_scoring.cache import SIGNAL_TABLES, ScoreCache, content_hash, score_with_cache
from udfs.lm_scoring.scorer import SIGNALS, score_samples
from udfs.lm_scoring.sequences import SCOPES, bos_prefix, build_sequences, plan_batches, unconditional_sequences
from udfs.lm_scoring.specs import SCORER_VERSION, load_for_spec, scoring_fingerprint
from udfs.lm_scoring.udf import (
    ITEM_LIST_TYPE,
    RESULT_TYPE,
    SIGNALS_RESULT_TYPE,
    embedding_dim_udf,
    lm_scores_udf,
    lm_signals_udf,
)

__all__ = [
    "ITEM_LIST_TYPE",
    "RESULT_TYPE",
    "SCOPES",
    "SCORER_VERSION",
    "SIGNALS",
    "SIGNALS_RESULT_TYPE",
    "SIGNAL_TABLES",
    "ScoreCache",
    "bos_prefix",
    "build_sequences",
    "content_hash",
    "embedding_dim_udf",
    "lm_scores_udf",
    "lm_signals_udf",
    "load_for_spec",
    "plan_batches",
    "score_samples",
    "score_with_cache",
    "scoring_fingerprint",
    "unconditional_sequences",
]
