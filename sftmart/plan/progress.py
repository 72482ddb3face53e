"""The build's one overall progress line: the plan's ETA, updated as dbt's nodes finish.

The dbt process (sftmart.dbt_child) writes one JSON line per finished node (dbt's structured
`NodeFinished` event: unique_id, status, seconds) to a pipe the wrapper hands down as
$SFTMART_PROGRESS_FD; the wrapper reads it in a thread and prints, on stderr,
`build: 41/185 nodes, 1.2 min elapsed, about 4.5 min left (plan 5.9 min)`. The time left is
what the plan gives the nodes not yet finished, stretched by how far the finished ones of the same
kind (model-heavy, or SQL and tests) ran over or under their estimates, by dbt's own node times.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

PROGRESS_FD_ENV = "SFTMART_PROGRESS_FD"


def install_node_events() -> None:
    """In the dbt process: NodeFinished events go to $SFTMART_PROGRESS_FD (no-op without it)."""
    try:
        fd = int(os.environ[PROGRESS_FD_ENV])
        os.fstat(fd)
    except (KeyError, ValueError, OSError):
        return
    import dbt.cli.requires as requires

    original = requires.setup_event_logger

    def on_event(msg) -> None:
        if msg.info.name != "NodeFinished":
            return
        info = msg.data.node_info
        seconds = getattr(getattr(msg.data, "run_result", None), "execution_time", 0.0)
        line = json.dumps({"node": info.unique_id, "status": info.node_status, "seconds": seconds}) + "\n"
        try:
            os.write(fd, line.encode())
        except OSError:
            pass

    def setup_event_logger(flags, callbacks=()) -> None:  # dbt's, with one more callback
        original(flags=flags, callbacks=[*callbacks, on_event])

    requires.setup_event_logger = setup_event_logger


class ProgressLine:
    """The wrapper's side: reads the pipe, prints the line after each node."""

    def __init__(self, plan, stream=None):
        from sftmart.plan.estimate import MODEL_NODES  # here, not in the dbt process that imports this module
        from sftmart.plan.render import duration

        self.duration = duration
        self.model_heavy = set(MODEL_NODES)
        self.planned = {n.node.split(":", 1)[-1]: n.seconds for n in plan.nodes}
        self.total_planned = plan.total_seconds
        self.n_nodes = len(plan.nodes)
        self.stream = stream or sys.stderr
        self.read_fd, self.write_fd = os.pipe()
        self.started = time.monotonic()
        self.done: dict[str, float] = {}
        self.thread = threading.Thread(target=self._read, daemon=True)

    def env(self) -> dict:
        return {PROGRESS_FD_ENV: str(self.write_fd)}

    def start(self) -> None:
        self.started = time.monotonic()
        self.thread.start()

    def finish(self) -> None:
        """After the child exited: no writer is left, the reader sees the end of the pipe."""
        os.close(self.write_fd)
        self.thread.join(timeout=5)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        left = 0.0
        for model_heavy in (True, False):  # SQL nodes' start costs say nothing of a LoRA run's pace
            names = [n for n in self.planned if (n in self.model_heavy) == model_heavy]
            planned_done = sum(self.planned[n] for n in names if n in self.done)
            measured_done = sum(self.done[n] for n in names if n in self.done)
            pace = min(max(measured_done / planned_done, 0.25), 4.0) if planned_done > 5 else 1.0
            left += pace * sum(self.planned[n] for n in names if n not in self.done)
        return (
            f"build: {len(self.done)}/{self.n_nodes} nodes, {self.duration(elapsed)} elapsed, "
            f"about {self.duration(left)} left (plan {self.duration(self.total_planned)})"
        )

    def _read(self) -> None:
        with os.fdopen(self.read_fd, "r") as pipe:
            for raw in pipe:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                name = event["node"].split(".")[2] if event["node"].count(".") >= 2 else event["node"]
                if name not in self.planned:  # the run's hooks, or a node the plan does not know
                    continue
                self.done[name] = float(event.get("seconds") or 0.0)
                print(self.line(), file=self.stream, flush=True)
