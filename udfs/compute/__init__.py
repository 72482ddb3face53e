"""Where the model-heavy scoring runs: in-process (`local`, the default) or on a Ray cluster (`ray`).

The LM scoring UDFs hand the samples missing from the score cache to `score_missing`; the `compute`
var reaches them inside the model spec JSON (macros/model_layer.sql), outside the cache fingerprint,
so where a score was computed never changes its cache key. Both backends call the same entry point,
`udfs.lm_scoring.scorer.score_samples`, with the same arguments, and hand each finished batch of
results to `on_batch(indices, results)` (the cache's persist)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from udfs.compute.config import ComputeConfig, ComputeError, parse_compute

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
    **score_kwargs,
) -> None:
    """Score the samples (content hashes `keys`, each once) where `compute` says (a dict, its JSON,
    or None for local); `score_kwargs` go to `score_samples` unchanged (max_length,
    max_tokens_per_batch, progress, ...)."""
    config = parse_compute(compute)
    if config.is_ray:
        from udfs.compute.ray_backend import score_on_ray

        score_on_ray(
            config, model_loader, prompts, responses, keys=keys, on_batch=on_batch, cache_path=cache_path,
            fingerprint=fingerprint, scope=scope, signals=signals, **score_kwargs,
        )  # fmt: skip
        return
    from udfs.lm_scoring.scorer import score_samples

    model, tokenizer = model_loader()
    score_samples(model, tokenizer, prompts, responses, scope=scope, signals=signals, on_batch=on_batch, **score_kwargs)
