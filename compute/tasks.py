"""Independent model-heavy runs as Ray tasks: each call of `fn` (one model evaluation, one LoRA
run) is a task with `num_gpus` = gpus_per_worker and `num_cpus` = cpus_per_worker, at most
`workers` in flight; every result comes back to the driver once, in the caller's order.

Failures: a task whose worker died (killed, out of memory, its node lost) is submitted again,
that call only, up to MAX_ACTOR_RESTARTS times (the scorer actors' budget); an exception raised
by `fn` itself is not retried (it would repeat): the driver lets the calls in flight finish,
hands their results to `on_result`, and raises a ComputeError naming the call. So a rerun of the
node redoes only what did not finish, when the caller keeps finished results (the evaluation
cache, an adapter's run.json). The driver's bar shows runs done / total, running and failures.

The test hooks of compute/actor.py (`crash_once`, `delay_s`) run before each call, and
`calls_file` gets `<label>` per finished call."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

from compute.actor import apply_hooks, test_hooks
from compute.config import ComputeConfig, ComputeError
from compute.ray_backend import MAX_ACTOR_RESTARTS, connect, workers_that_fit


def _call(fn: Callable, label: str, hooks: dict, kwargs: dict, **shared):
    """What a task runs on its worker."""
    apply_hooks(hooks)
    result = fn(**kwargs, **shared)
    if hooks.get("calls_file"):
        with open(hooks["calls_file"], "a") as out:
            out.write(f"{label}\n")
    return result


def run_tasks(
    config: ComputeConfig,
    fn: Callable,
    calls: Sequence[dict],
    *,
    labels: Sequence[str],
    desc: str,
    shared: dict | None = None,
    on_result: Callable[[int, object], None] | None = None,
    progress: bool = True,
) -> list:
    """`fn(**calls[i], **shared)` for every i on the cluster; `fn` must be importable by the
    workers (a module-level function or a partial of one). `shared` goes to the object store once
    (the evaluation rows every model reads). `on_result(i, result)` runs on the driver as each
    result arrives; the results are returned in the order of `calls`."""
    import ray
    from ray.exceptions import RayTaskError
    from tqdm.auto import tqdm

    if not calls:
        return []
    connect(config)
    workers_that_fit(config)  # a worker no node can hold fails here, before any work
    task = ray.remote(_call).options(
        num_cpus=config.cpus_per_worker, num_gpus=config.gpus_per_worker, max_retries=0, retry_exceptions=False
    )
    refs = {name: ray.put(value) for name, value in (shared or {}).items()}
    hooks = test_hooks()
    results: list = [None] * len(calls)
    attempts = [0] * len(calls)
    queue = list(range(len(calls)))[::-1]
    in_flight: dict = {}
    failures: dict[str, int] = {}
    done = 0
    error: tuple[int, BaseException] | None = None
    bar = tqdm(total=len(calls), unit="run", desc=f"{desc} on Ray ({config.address})", disable=not progress)
    started = time.monotonic()
    try:
        while queue or in_flight:
            while queue and error is None and len(in_flight) < config.workers:
                i = queue.pop()
                attempts[i] += 1
                in_flight[task.remote(fn, labels[i], hooks, calls[i], **refs)] = i
            if not in_flight:
                break
            [ready], _ = ray.wait(list(in_flight), num_returns=1)
            i = in_flight.pop(ready)
            try:
                results[i] = ray.get(ready)
            except RayTaskError as err:  # fn raised: the same call would raise again
                error = error or (i, err.cause if isinstance(err.cause, BaseException) else err)
                continue
            except ray.exceptions.RayError as err:  # the worker or its node died
                failures[labels[i]] = failures.get(labels[i], 0) + 1
                if attempts[i] > MAX_ACTOR_RESTARTS:
                    error = error or (i, err)
                else:
                    queue.append(i)
                bar.set_postfix(running=len(in_flight), failures=sum(failures.values()), refresh=False)
                continue
            if on_result is not None:
                on_result(i, results[i])
            done += 1
            bar.update(1)
            bar.set_postfix(running=len(in_flight), failures=sum(failures.values()), refresh=False)
    finally:
        bar.close()
        if progress:
            failed = ", ".join(f"{k}: {v}" for k, v in sorted(failures.items())) or "none"
            print(
                f"{desc} on Ray: {done} of {len(calls)} run(s) in {time.monotonic() - started:.1f} s, "
                f"worker failures: {failed}",
                file=sys.stderr,
                flush=True,
            )
    if error is not None:
        i, err = error
        raise ComputeError(
            f"{desc} on the Ray cluster at {config.address!r}: {labels[i]} failed after {attempts[i]} attempt(s) "
            f"({type(err).__name__}: {err}); the {done} finished run(s) are kept and a rerun does only the rest"
        ) from err
    return results
