"""Where the model-heavy work runs: in-process (`local`, the default) or on a Ray cluster (`ray`).

The LM scoring and encoder UDFs hand the samples missing from their cache to `score_missing`; the
`compute` var reaches them inside the model spec JSON (macros/model_layer.sql), outside the cache
fingerprint, so where a score was computed never changes its cache key. Both backends call the same
entry point (`batch_fn`: `udfs.lm_scoring.scorer.score_samples`, or the encoders' `encode_batch`)
with the same arguments, and hand each finished batch of results to `on_batch(indices, results)`
(the cache's persist). Evaluation and LoRA runs go to the cluster as Ray tasks (tasks.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from compute.config import ComputeConfig, ComputeError, parse_compute

__all__ = ["ComputeConfig", "ComputeError", "parse_compute", "score_missing"]


def score_missing(
    compute,
    model_loader: Callable[[], tuple],
    prompts: Sequence[str],
    responses: Sequence[str],
    *,
    keys: Sequence[str],
    on_batch: Callable[[list[int], list[dict]], None],
    cache_path: str | Path,
    fingerprint: str,
    scope: str,
    signals: Sequence[str] = (),
    batch_fn: Callable,
    **score_kwargs,
) -> None:
    """Score the samples (content hashes `keys`, each once) where `compute` says (a dict, its JSON,
    or None for local); `score_kwargs` go to `batch_fn` (`score_samples` or `encode_batch`: a
    module-level function with their signature, which the cluster's workers import) unchanged (max_length,
    max_tokens_per_batch, progress, ...)."""
    config = parse_compute(compute)
    if config.is_ray:
        from compute.ray_backend import score_on_ray

        score_on_ray(
            config, model_loader, prompts, responses, keys=keys, on_batch=on_batch, cache_path=cache_path,
            fingerprint=fingerprint, scope=scope, signals=signals, batch_fn=batch_fn, **score_kwargs,
        )  # fmt: skip
        return
    model, tokenizer = model_loader()
    batch_fn(model, tokenizer, prompts, responses, scope=scope, signals=signals, on_batch=on_batch, **score_kwargs)
