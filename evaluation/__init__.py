"""Held-out evaluation of a base model or a LoRA adapter: the metrics the FT-Data-Ranker competition
scored with lm-evaluation-harness, computed by a small evaluator of our own.

Why not lm-evaluation-harness itself: it is built around named tasks and the `datasets` library,
and its loglikelihood requests tokenise context and continuation together. Here the evaluation
sets are local files landed into the warehouse (`intermediate.int_eval_records_filtered`), everything runs
offline on CPU, and a response is tokenised exactly as the scoring and the training code tokenise
it (prompt and response apart, then concatenated; udfs/lm_scoring/sequences.py). The metrics follow
lm-eval's definitions and are tested against hand-computed values (tests/test_evaluation.py):

* `nll`, `perplexity` (responses.py): teacher-forced NLL of the reference response's tokens given
  the prompt (the scoring code, `udfs.lm_scoring.score_samples`), token-weighted mean per eval set
  and language; perplexity = exp(nll).
* `acc`, `acc_norm` (multiple_choice.py): the option with the highest summed log-likelihood as
  the response, raw and divided by the option's length in characters (lm-eval's `acc_norm`).
* `rouge_l` (rouge.py, generation.py): ROUGE-L F1 of a greedy generation against the reference,
  on a capped, deterministic subset of the free-answer records; words for English, characters for
  Chinese.

An adapter is applied with peft without merging (models.py); CUDA is used when present. Results are
cached by model, adapter, evaluation rows and settings (cache.py), so a rebuild evaluates only new
models. `mart_eval_results` (dbt_project/models/evaluation/) calls `evaluate_model` per model.
"""

from evaluation.evaluate import METRICS, evaluate_model
from evaluation.rouge import rouge_l

__all__ = ["METRICS", "evaluate_model", "rouge_l"]
