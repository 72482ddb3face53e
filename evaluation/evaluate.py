"""`evaluate_model`: every metric of one model on the evaluation rows, per eval set and language
(the package docstring says what each metric is)."""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Sequence

from evaluation.cache import EvalCache
from evaluation.generation import greedy_generations
from evaluation.models import load_eval_model, model_key
from evaluation.multiple_choice import choice_correct, option_logliks
from evaluation.responses import response_nlls
from evaluation.rouge import rouge_l

# bump when a metric changes for the same model and rows (2: per-item NLL rows; 3: shared-prefix scores)
EVALUATOR_VERSION = "3"
METRICS = ("nll", "perplexity", "acc", "acc_norm", "rouge_l")
ROW_FIELDS = ("eval_id", "eval_set", "lang", "prompt", "response", "options", "answer_index")


def rows_digest(rows: Sequence[dict]) -> str:
    canonical = sorted(json.dumps([r.get(k) for k in ROW_FIELDS], ensure_ascii=False) for r in rows)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


def generation_subset(rows: Sequence[dict], per_group: int) -> list[dict]:
    """The free-answer rows ROUGE-L is computed on: per (eval set, language) the first `per_group`
    by md5 of eval_id, a fixed pick that does not depend on row order."""
    groups = defaultdict(list)
    for r in rows:
        if not r.get("options"):
            groups[(r["eval_set"], r["lang"])].append(r)
    picked = []
    for members in groups.values():
        members.sort(key=lambda r: hashlib.md5(r["eval_id"].encode()).hexdigest())
        picked += members[:per_group]
    return picked


def _metric_rows(rows, nlls, mc_rows, mc_logliks, gen_rows, generations) -> list[dict]:
    sums = defaultdict(lambda: [0.0, 0])  # (eval_set, lang, metric) -> [sum, n]
    for r, scored in zip(rows, nlls):
        if scored is not None:
            total = sums[(r["eval_set"], r["lang"], "nll")]
            total[0] += scored[0]
            total[1] += scored[1]
    for r, logliks in zip(mc_rows, mc_logliks):
        acc, acc_norm = choice_correct(r["options"], logliks, r["answer_index"])
        for metric, hit in (("acc", acc), ("acc_norm", acc_norm)):
            total = sums[(r["eval_set"], r["lang"], metric)]
            total[0] += float(hit)
            total[1] += 1
    for r, text in zip(gen_rows, generations):
        total = sums[(r["eval_set"], r["lang"], "rouge_l")]
        total[0] += rouge_l(r["response"], text, r["lang"])
        total[1] += 1
    out = [  # per item: the response NLL's sum and tokens (results with an eval_id; `select_results`)
        {"eval_id": r["eval_id"], "eval_set": r["eval_set"], "lang": r["lang"], "nll_sum": s[0], "n_tokens": s[1]}
        for r, s in zip(rows, nlls)
        if s is not None
    ]
    for (eval_set, lang, metric), (value, n) in sorted(sums.items()):
        mean = value / n if n else None
        out.append({"eval_set": eval_set, "lang": lang, "metric": metric, "value": mean, "n": n})
        if metric == "nll":
            perplexity = math.exp(min(mean, 700.0)) if mean is not None else None
            out.append({"eval_set": eval_set, "lang": lang, "metric": "perplexity", "value": perplexity, "n": n})
    return out


def select_results(results: list[dict], items: bool = False) -> list[dict]:
    """The aggregate metric rows of a model's results, or with `items` its per-item NLL rows."""
    return [r for r in results if ("eval_id" in r) == items]


def checked_rows(rows: Sequence[dict]) -> list[dict]:
    """Copies of the evaluation rows; a multiple-choice row without its answer is a clear error."""
    rows = [dict(r) for r in rows]
    for r in rows:
        if r.get("options") and r.get("answer_index") is None:
            raise ValueError(f"eval row {r['eval_id']}: options without an answer_index")
    return rows


def result_key(spec_json: str, adapter_path: str | None, rows: Sequence[dict], generation_samples, max_new_tokens):
    """The cache key of one model's results: model, adapter, rows and settings (no model load)."""
    settings = {"generation_samples": generation_samples, "max_new_tokens": max_new_tokens, "v": EVALUATOR_VERSION}
    return hashlib.sha256(
        json.dumps([model_key(spec_json, adapter_path), rows_digest(rows), settings], sort_keys=True).encode()
    ).hexdigest()


def compute_metrics(
    spec_json: str, adapter_path: str | None, rows: Sequence[dict], generation_samples: int, max_new_tokens: int,
    progress: bool = True,
) -> list[dict]:  # fmt: skip
    """Loads the model and computes every metric, without the cache: what a Ray task runs."""
    rows = checked_rows(rows)
    model = load_eval_model(spec_json, adapter_path)
    nlls = response_nlls(model, rows, progress)
    mc_rows = [r for r in rows if r.get("options")]
    mc_logliks = option_logliks(model, mc_rows, progress) if mc_rows else []
    gen_rows = generation_subset(rows, generation_samples) if generation_samples else []
    generations = (
        greedy_generations(model, [r["prompt"] for r in gen_rows], max_new_tokens, progress) if gen_rows else []
    )
    return _metric_rows(rows, nlls, mc_rows, mc_logliks, gen_rows, generations)


def evaluate_model(
    spec_json: str,
    adapter_path: str | None,
    rows: Sequence[dict],
    generation_samples: int,
    max_new_tokens: int,
    cache_path: str | None = None,
    progress: bool = True,
    items: bool = False,
) -> list[dict]:
    """Rows of (eval_set, lang, metric, value, n): `n` is the tokens an nll/perplexity averages over,
    else the questions or generations; with `items`, one row per scored evaluation row instead
    (eval_id, eval_set, lang, nll_sum, n_tokens). The model is loaded only when the cache lacks the
    result (both kinds are cached together)."""
    rows = checked_rows(rows)
    key = result_key(spec_json, adapter_path, rows, generation_samples, max_new_tokens)
    cache = EvalCache(cache_path) if cache_path else None
    if cache is not None and (hit := cache.get(key)) is not None:
        return select_results(hit, items)
    results = compute_metrics(spec_json, adapter_path, rows, generation_samples, max_new_tokens, progress)
    if cache is not None:
        cache.put(key, results)
    return select_results(results, items)
