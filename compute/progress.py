"""Progress of a Ray scoring run on the driver: rows done / total, tokens/s, rows per worker and the
workers that failed (Ray Data restarts a dead actor and retries its batch; the GCS actor table says
how often, polled every few seconds)."""

from __future__ import annotations

import time
from collections import Counter

POLL_SECONDS = 2.0
WORKER_CLASS = "MapWorker"  # Ray Data's actor class for map_batches with a callable class


def actor_restarts(job_id: str) -> dict[str, int]:
    """Restarts of this job's Ray Data map actors (each one a worker that died and came back), by
    short actor id; empty when the GCS actor table cannot be read (through a ray:// client)."""
    try:
        from ray._private import state

        actors = state.actors()
    except Exception:  # the table is a diagnostic: never fail a run over it
        return {}
    failures = {}
    for actor_id, actor in actors.items():
        if actor.get("JobID") != job_id or WORKER_CLASS not in str(actor.get("ActorClassName")):
            continue
        if actor.get("NumRestarts"):
            failures[actor_id[:8]] = int(actor["NumRestarts"])
    return failures


class RayProgress:
    def __init__(self, total: int, address: str, job_id: str, enabled: bool = True):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, unit="row", desc=f"scoring on Ray ({address})", disable=not enabled)
        self.job_id = job_id
        self.started = time.monotonic()
        self.tokens = 0
        self.by_worker: Counter[str] = Counter()
        self.before = actor_restarts(job_id)  # earlier runs of this process share the job
        self.failures: dict[str, int] = {}
        self._polled = 0.0

    def scored(self, workers: list[str], n_tokens: int) -> None:
        """Rows that came back from the cluster (finished shards are counted by `update`)."""
        self.by_worker.update(workers)
        self.tokens += n_tokens
        now = time.monotonic()
        if now - self._polled >= POLL_SECONDS:
            self._polled = now
            self.failures = self._failures()
        rate = self.tokens / max(now - self.started, 1e-9)
        self.bar.set_postfix(
            tok_s=f"{rate:.0f}",
            workers=len(self.by_worker),
            failures=sum(self.failures.values()),
            refresh=False,
        )
        self.bar.update(len(workers))

    def _failures(self) -> dict[str, int]:
        now = actor_restarts(self.job_id)
        return {k: v - self.before.get(k, 0) for k, v in now.items() if v > self.before.get(k, 0)}

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        failed = ", ".join(f"{k}: {v}" for k, v in sorted(self.failures.items())) or "none"
        return (
            f"{self.bar.n} rows in {seconds:.1f} s, {self.tokens / max(seconds, 1e-9):.0f} tokens/s, "
            f"{len(self.by_worker)} worker(s), worker failures: {failed}"
        )

    def close(self) -> None:
        self.failures = self._failures() or self.failures
        self.bar.close()
