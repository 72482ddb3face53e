"""Scoring the missing samples on a Ray cluster.

1. Results of shards an earlier run finished (a driver killed after a shard's result file was
   written) are loaded into the score cache first, whatever their shard boundaries.
2. The rest is cut into fixed-size shards (compute/shards.py) written as Parquet to work_dir.
3. A Ray Data pipeline reads them (`read_parquet`) and scores them (`map_batches` with ShardScorer:
   one model load per actor, `num_gpus` = gpus_per_worker, `concurrency` = workers). A dead actor
   is restarted and its batch retried by Ray Data.
4. The driver collects rows by shard; a complete shard is written atomically, recorded in the
   manifest and put into the score cache, so a rerun after any failure scores only unfinished shards
   and no sample is stored twice (the cache's key is the content hash).
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import time
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from compute.actor import ShardScorer, test_hooks
from compute.config import CONNECT_TIMEOUT_S, ComputeConfig, ComputeError, default_work_dir
from compute.progress import RayProgress
from compute.shards import Manifest, ShardStore, plan_shards, run_key

ROW_COLUMNS = ("shard_id", "content_hash", "result", "n_tokens", "worker")  # what ShardScorer returns per row
MAX_ACTOR_RESTARTS = 3  # a worker that dies more often than this fails the run (a model that cannot load)
_connected: str | None = None


def probe(config: ComputeConfig) -> None:
    """Fail within CONNECT_TIMEOUT_S, naming the address, when nothing listens there."""
    endpoint = config.endpoint()
    if endpoint is None:
        return
    try:
        socket.create_connection(endpoint, timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise ComputeError(
            f"compute.address {config.address!r}: no Ray cluster reachable at {endpoint[0]}:{endpoint[1]} "
            f"within {CONNECT_TIMEOUT_S:g} s ({err}). Start one with `ray start --head` or fix the address."
        ) from None


def connect(config: ComputeConfig) -> None:
    """ray.init once per process and address (a different address reconnects)."""
    global _connected
    import ray

    if ray.is_initialized() and _connected == config.address:
        return
    probe(config)
    if ray.is_initialized():
        ray.shutdown()
    options = {"log_to_driver": False, "logging_level": logging.WARNING, "namespace": "sftmart"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # Ray's notice about accelerator env vars
            if config.address == "local":
                ray.init(include_dashboard=False, **options)
            else:
                ray.init(address=config.address, **options)
    except (ConnectionError, RuntimeError, TimeoutError) as err:
        raise ComputeError(f"compute.address {config.address!r}: cannot connect to the Ray cluster: {err}") from None
    _connected = config.address
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # the driver's bar says what matters


def workers_that_fit(config: ComputeConfig) -> int:
    """How many workers of `gpus_per_worker` / `cpus_per_worker` the cluster holds now (at most
    `workers`); a worker no node can hold is an error."""
    import ray

    nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
    for name, need in (("GPU", config.gpus_per_worker), ("CPU", config.cpus_per_worker)):
        largest = max((n.get(name, 0) for n in nodes), default=0)
        if need > largest:
            key = "gpus_per_worker" if name == "GPU" else "cpus_per_worker"
            raise ComputeError(
                f"compute.{key} = {need:g}, but no node of the Ray cluster at {config.address!r} has that many "
                f"({name} per node: {sorted(n.get(name, 0) for n in nodes)})"
            )
    total = ray.cluster_resources()
    fits = min(
        total.get("GPU", 0) // config.gpus_per_worker if config.gpus_per_worker else config.workers,
        total.get("CPU", 0) // config.cpus_per_worker if config.cpus_per_worker else config.workers,
    )
    return int(min(fits, config.workers))


def worker_pool(config: ComputeConfig):
    """The actor pool (ActorPoolStrategy): `workers` actors, or 1 to `workers` when the cluster
    cannot hold them all now (an autoscaler may add nodes)."""
    import ray

    if workers_that_fit(config) >= config.workers:
        return ray.data.ActorPoolStrategy(size=config.workers)
    return ray.data.ActorPoolStrategy(min_size=1, max_size=config.workers)


def score_on_ray(
    config: ComputeConfig,
    model_loader: Callable[[], tuple],
    prompts: Sequence[str],
    responses: Sequence[str],
    *,
    keys: Sequence[str],
    on_batch: Callable[[list[int], list[dict]], None],
    cache_path: str | Path,
    fingerprint: str,
    scope: str,
    signals: Sequence[str],
    progress: bool = True,
    batch_fn: Callable,
    **score_kwargs,
) -> dict:
    """Score `prompts`/`responses` (content hashes `keys`) on the cluster; `on_batch(indices, results)`
    receives every result once, a shard at a time. Returns the run's counts."""
    key = run_key(fingerprint, scope, signals)
    work_dir = config.work_dir or default_work_dir(cache_path)
    store = ShardStore(work_dir, key)
    manifest = Manifest(Path(default_work_dir(cache_path)) / "manifest.sqlite")
    run_id = uuid.uuid4().hex[:12]
    manifest.start_run(run_id, key, config.address, len(keys))
    position = {h: i for i, h in enumerate(keys)}
    done_ids: list[str] = []
    reused = 0
    try:
        for shard_id, table in store.finished():  # 1. what earlier runs finished
            hashes = table.column("content_hash").to_pylist()
            wanted = [(position[h], r) for h, r in zip(hashes, table.column("result").to_pylist()) if h in position]
            if wanted:
                on_batch([i for i, _ in wanted], [json.loads(r) for _, r in wanted])
                reused += len(wanted)
                for h in hashes:
                    position.pop(h, None)
            manifest.loaded(key, shard_id, len(hashes), run_id)
            done_ids.append(shard_id)
        remaining = list(position.values())
        manifest.update_run(run_id, rows_reused=reused)
        computed = 0
        if remaining:
            computed = _run_pipeline(
                config, model_loader, store, manifest, run_id, remaining, keys, prompts, responses, on_batch,
                done_ids, dict(scope=scope, signals=tuple(signals), score_kwargs=score_kwargs, batch_fn=batch_fn), progress,
            )  # fmt: skip
        store.remove(done_ids)
        manifest.update_run(run_id, status="finished", finished_at=time.time(), rows_computed=computed)
        return {"run_id": run_id, "rows_reused": reused, "rows_computed": computed, "shards": len(done_ids)}
    except BaseException as err:
        manifest.update_run(run_id, status="failed", finished_at=time.time(), error=f"{type(err).__name__}: {err}")
        if isinstance(err, ComputeError) or not isinstance(err, Exception):
            raise
        raise ComputeError(
            f"scoring on the Ray cluster at {config.address!r} stopped ({type(err).__name__}: {err}); "
            f"the {len(done_ids)} finished shard(s) stay in {work_dir} and a rerun scores only the rest"
        ) from err
    finally:
        manifest.close()


def _run_pipeline(
    config, model_loader, store, manifest, run_id, remaining, keys, prompts, responses, on_batch, done_ids, scoring,
    progress,
) -> int:  # fmt: skip
    import ray

    sub_keys = [keys[i] for i in remaining]
    shards = plan_shards(store.key, sub_keys, config.shard_rows)
    sub_prompts, sub_responses = [prompts[i] for i in remaining], [responses[i] for i in remaining]
    for shard in shards:
        store.write_input(shard, sub_keys, sub_prompts, sub_responses)
    connect(config)
    pool = worker_pool(config)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the driver's own bar below says rows, tokens/s and failures
    context.print_on_execution_start = False
    context.issue_detectors_config.detectors = []  # slow batches are expected: a batch is a model pass
    dataset = ray.data.read_parquet(
        [store.uri("in", s.shard_id) for s in shards], ray_remote_args={"num_cpus": 0}
    ).map_batches(
        ShardScorer,
        fn_constructor_kwargs=dict(model_loader=model_loader, run_id=run_id, hooks=test_hooks(), **scoring),
        batch_size=config.shard_rows,
        batch_format="pyarrow",
        num_cpus=config.cpus_per_worker,
        num_gpus=config.gpus_per_worker or None,
        compute=pool,
        max_restarts=MAX_ACTOR_RESTARTS,
    )
    size = {s.shard_id: len(s.indices) for s in shards}
    position = {h: remaining[i] for i, h in enumerate(sub_keys)}
    pending: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    tokens: dict[str, int] = defaultdict(int)
    bar = RayProgress(len(remaining), config.address, ray.get_runtime_context().get_job_id(), progress)
    computed = 0
    try:
        for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
            columns = {name: batch.column(name).to_pylist() for name in batch.column_names}
            touched = set()
            for shard_id, h, result, n_tokens, worker in zip(*(columns[c] for c in ROW_COLUMNS)):
                pending[shard_id][h] = (result, worker)
                tokens[shard_id] += n_tokens
                touched.add(shard_id)
            bar.scored(columns["worker"], sum(columns["n_tokens"]))
            for shard_id in touched:
                rows = pending[shard_id]
                if len(rows) < size[shard_id]:
                    continue
                store.write_result(shard_id, rows)
                workers = {w for _, w in rows.values()}
                manifest.computed(store.key, shard_id, len(rows), tokens[shard_id], workers, run_id)
                hashes = list(rows)
                on_batch([position[h] for h in hashes], [json.loads(rows[h][0]) for h in hashes])
                manifest.loaded(store.key, shard_id, len(rows), run_id)
                done_ids.append(shard_id)
                computed += len(rows)
                del pending[shard_id]
    finally:
        bar.close()
        if progress:
            print(f"Ray scoring: {bar.summary()}", file=sys.stderr, flush=True)
    if computed < len(remaining):
        raise ComputeError(
            f"{len(remaining) - computed} of {len(remaining)} rows never came back from the Ray cluster at "
            f"{config.address!r} ({len(pending)} shard(s) incomplete)"
        )
    return computed
