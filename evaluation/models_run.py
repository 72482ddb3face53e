"""Evaluating several models (the base model and adapters of one base) where the `compute` var
says: in-process one after the other (`evaluate_model`), or one Ray task per model not in the
cache (compute/tasks.py: gpus_per_worker / cpus_per_worker each, `workers` at once). On Ray
the driver reads and writes the evaluation cache and the tasks compute only (`compute_metrics`),
so the cache stays a local file; each result is cached as it arrives, and a rerun after a failure
evaluates only the models whose results are missing. The base model and every adapter directory
must be readable at the same path on every node (a shared path in a multi-node cluster)."""

from __future__ import annotations

from collections.abc import Sequence

from tqdm.auto import tqdm

from compute.config import parse_compute
from evaluation.cache import EvalCache
from evaluation.evaluate import checked_rows, compute_metrics, evaluate_model, result_key, select_results


def evaluate_models(
    spec_json: str,
    adapter_paths: Sequence[str | None],
    rows: Sequence[dict],
    generation_samples: int,
    max_new_tokens: int,
    cache_path: str | None = None,
    compute=None,
    progress: bool = True,
    items: bool = False,
) -> list[list[dict]]:
    """`evaluate_model`'s rows for each adapter path (None: the base model), in their order."""
    config = parse_compute(compute)
    if not config.is_ray:
        return [
            evaluate_model(
                spec_json, path, rows, generation_samples, max_new_tokens, cache_path=cache_path, items=items
            )
            for path in tqdm(adapter_paths, desc="evaluating models", unit="model", disable=not progress)
        ]
    from compute.tasks import run_tasks

    rows = checked_rows(rows)
    keys = [result_key(spec_json, path, rows, generation_samples, max_new_tokens) for path in adapter_paths]
    cache = EvalCache(cache_path) if cache_path else None
    found = {k: hit for k in set(keys) if cache is not None and (hit := cache.get(k)) is not None}
    todo = list({k: path for k, path in zip(keys, adapter_paths) if k not in found}.items())  # distinct models

    def keep(i: int, results: list[dict]) -> None:
        found[todo[i][0]] = results
        if cache is not None:
            cache.put(todo[i][0], results)

    run_tasks(
        config,
        compute_metrics,
        [{"adapter_path": path} for _, path in todo],
        labels=[path or "base model" for _, path in todo],
        desc="evaluating models",
        shared={
            "spec_json": spec_json,
            "rows": rows,
            "generation_samples": generation_samples,
            "max_new_tokens": max_new_tokens,
            "progress": False,
        },
        on_result=keep,
        progress=progress,
    )
    return [select_results(found[k], items) for k in keys]
