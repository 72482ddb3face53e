"""The stateful scorer a Ray Data actor holds: one model load per actor, then every batch it is
given goes through the same entry point as in-process scoring (`batch_fn`, same kwargs), and
its results (whatever fields the scorer returns) come back as JSON text per row.

`SFTMART_RAY_TEST_HOOKS` (JSON, read by the driver and handed to each actor) injects faults for
the tests: `crash_once` (a path: the first actor to score a batch while it does not exist creates
it and exits the process, as a killed worker would), `delay_s` (sleep before each batch) and
`calls_file` (append `<run_id> <rows>` per batch scored, counting model calls outside the manifest)."""

from __future__ import annotations

import json
import os
import socket
import time

import pyarrow as pa

from compute.shards import encode_result

HOOKS_ENV = "SFTMART_RAY_TEST_HOOKS"


def test_hooks() -> dict:
    text = os.environ.get(HOOKS_ENV)
    return json.loads(text) if text else {}


def apply_hooks(hooks: dict) -> None:
    """Before a unit of work (a batch here, a task in compute/tasks.py): `crash_once`, then
    `delay_s`."""
    marker = hooks.get("crash_once")
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            pass
        else:
            os._exit(17)
    if hooks.get("delay_s"):
        time.sleep(float(hooks["delay_s"]))


class ShardScorer:
    """Ray Data callable class (`map_batches(ShardScorer, fn_constructor_kwargs=...)`)."""

    def __init__(self, model_loader, scope: str, signals, score_kwargs: dict, run_id: str, hooks: dict, batch_fn):
        self.batch_fn = batch_fn
        self.model, self.tokenizer = model_loader()
        self.scope, self.signals = scope, tuple(signals)
        self.score_kwargs = {**score_kwargs, "progress": False}  # the driver shows progress
        self.run_id, self.hooks = run_id, hooks
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, batch: pa.Table) -> pa.Table:
        apply_hooks(self.hooks)
        prompts = batch.column("prompt").to_pylist()
        responses = batch.column("response").to_pylist()
        results = self.batch_fn(
            self.model, self.tokenizer, prompts, responses, scope=self.scope, signals=self.signals, **self.score_kwargs
        )
        if self.hooks.get("calls_file"):
            with open(self.hooks["calls_file"], "a") as out:
                out.write(f"{self.run_id} {len(prompts)}\n")
        return pa.table(
            {
                "shard_id": batch.column("shard_id"),
                "content_hash": batch.column("content_hash"),
                "result": [encode_result(r) for r in results],
                "n_tokens": [int(r.get("n_tokens") or 0) for r in results],
                "worker": [self.worker] * len(results),
            }
        )
