"""The worker pool: files parsed in PARSE_WORKERS child processes when there is enough to share
(a large JSONL file is first cut into line ranges, sftmart.landing.split, so it uses them all).

JSON parsing holds the GIL, so threads would not help; a worker costs ~0.3 s to start, hence
PARALLEL_MIN_BYTES. Workers are plain `python -m sftmart.landing` children (not
multiprocessing: under dbt, spawn would first re-import dbt's entry module in every worker,
and fork does not survive DuckDB's threads). A worker reads its task as JSON on stdin and
writes 'progress <bytes>' lines and one final 'result <json>' line on stdout. A worker that
dies has its group parsed again in this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sftmart.landing.parse import Stage, parse_group
from sftmart.landing.split import job_bytes, split_jobs
from sftmart.landing.window import Progress

PARSE_WORKERS = max(
    1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
)
PARALLEL_MIN_BYTES = 16 << 20


def balanced_groups(jobs: list, n_groups: int) -> list[list]:
    """Jobs (files or line ranges) split into n_groups of about equal bytes (largest first),
    each kept in path order."""
    groups: list[list] = [[] for _ in range(n_groups)]
    loads = [0] * n_groups
    for job in sorted(jobs, key=lambda j: -job_bytes(j)):
        lightest = loads.index(min(loads))
        groups[lightest].append(job)
        loads[lightest] += job_bytes(job)
    return [sorted(group, key=lambda j: (j[2][1], j[4][0] if len(j) > 4 else 0)) for group in groups if group]


def follow_workers(children: list, progress: Progress) -> list[tuple[dict | None, int]]:
    """Reads the workers' stdout as it comes: 'progress <bytes>' lines move the bar, a final
    'result <json>' line is the worker's answer. Returns (result or None, bytes reported) each."""
    import selectors

    selector = selectors.DefaultSelector()
    buffers, results, reported = {}, [None] * len(children), [0] * len(children)
    for k, child in enumerate(children):
        selector.register(child.stdout, selectors.EVENT_READ, k)
        buffers[k] = b""
    while selector.get_map():
        for key, _ in selector.select():
            k = key.data
            chunk = os.read(key.fileobj.fileno(), 1 << 16)  # raw reads: no buffering hidden from select
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            *lines, buffers[k] = (buffers[k] + chunk).split(b"\n")
            for line in lines:
                if line.startswith(b"progress "):
                    done = int(line.split()[1])
                    reported[k] += done
                    progress.update(done)
                elif line.startswith(b"result "):
                    results[k] = json.loads(line[len(b"result ") :])
    return list(zip(results, reported))


class LineProgress(Progress):
    """A landing worker's progress: 'progress <bytes>' lines on stdout, about every megabyte."""

    def __init__(self):
        super().__init__()
        self.pending = 0

    def update(self, n: int) -> None:
        self.pending += n
        if self.pending >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            print(f"progress {self.pending}", flush=True)
            self.pending = 0


def parse_all(
    jobs: list, stage_dir: str, max_record_bytes: int, max_file_bytes: int, progress: Progress
) -> list[Stage]:
    """Parse every file; in PARSE_WORKERS processes when there is enough to share (JSON parsing
    holds the GIL, and a worker costs ~0.3 s to start). A large JSONL file is cut into line
    ranges first (sftmart.landing.split), so it is parsed on every worker."""
    if PARSE_WORKERS > 1 and sum(min(job[1], max_file_bytes) for job in jobs) >= PARALLEL_MIN_BYTES:
        jobs = split_jobs(jobs, PARSE_WORKERS, max_file_bytes)
    workers = min(PARSE_WORKERS, len(jobs))
    if workers < 2 or sum(job_bytes(job) for job in jobs) < PARALLEL_MIN_BYTES:
        return [
            parse_group(jobs, os.path.join(stage_dir, "rows-0.parquet"), max_record_bytes, max_file_bytes, progress)
        ]
    groups = balanced_groups(jobs, workers)
    # Plain child processes rather than multiprocessing: under dbt, spawn would first re-import
    # dbt's entry module in every worker, and fork does not survive DuckDB's threads.
    stage_paths = [os.path.join(stage_dir, f"rows-{k}.parquet") for k in range(len(groups))]
    children = []
    for group, stage_path in zip(groups, stage_paths):
        task = {
            "jobs": group,
            "stage_path": stage_path,
            "max_record_bytes": max_record_bytes,
            "max_file_bytes": max_file_bytes,
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "sftmart.landing"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        try:
            child.stdin.write(json.dumps(task).encode())
            child.stdin.close()
        except BrokenPipeError:
            pass  # it died on start; its group is parsed here below
        children.append(child)
    stages = []
    for child, group, stage_path, (result, reported) in zip(
        children, groups, stage_paths, follow_workers(children, progress)
    ):
        if child.wait() != 0 or result is None:  # the worker died: parse its group here instead
            stages.append(parse_group(group, stage_path, max_record_bytes, max_file_bytes))
            progress.update(sum(min(job_bytes(job), max_file_bytes) for job in group) - reported)
        else:
            stages.append(
                Stage(stage_path, result["rows"], [(tuple(ctx), reason) for ctx, reason in result["failures"]])
            )
    return sorted(stages, key=lambda stage: stage.path)


def main() -> None:
    """`python -m sftmart.landing` with a task as JSON on stdin: one parse group (see parse_all)."""
    task = json.load(sys.stdin)
    jobs = [
        (path, size, tuple(ctx), ident, *(tuple(p) for p in part)) for path, size, ctx, ident, *part in task["jobs"]
    ]
    progress = LineProgress()
    stage = parse_group(jobs, task["stage_path"], task["max_record_bytes"], task["max_file_bytes"], progress)
    progress.flush()
    print("result " + json.dumps({"rows": stage.rows, "failures": stage.failures}), flush=True)
