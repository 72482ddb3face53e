"""The worker pool: files parsed in PARSE_WORKERS processes, this one and PARSE_WORKERS - 1 child
processes, when there is enough to share (a large file is first cut into ranges,
sftmart.landing.split, so it uses them all).

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
import threading

from sftmart.landing.parse import Stage, parse_group
from sftmart.landing.split import job_bytes, split_jobs
from sftmart.landing.window import Progress

PARSE_WORKERS = max(
    1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
)
PARALLEL_MIN_BYTES = 16 << 20
PARENT_PARSES = True  # this process parses one group itself (bench/bench_landing.py --workers-only turns it off)


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
    """Parse every file; in PARSE_WORKERS processes (this one and PARSE_WORKERS - 1 workers) when
    there is enough to share (JSON parsing holds the GIL, and a worker costs ~0.3 s to start). A
    large file is cut into ranges first (sftmart.landing.split), so it is parsed on every core."""
    if PARSE_WORKERS > 1 and sum(min(job[1], max_file_bytes) for job in jobs) >= PARALLEL_MIN_BYTES:
        jobs = split_jobs(jobs, PARSE_WORKERS, max_file_bytes)
    workers = min(PARSE_WORKERS, len(jobs))
    if workers < 2 or sum(job_bytes(job) for job in jobs) < PARALLEL_MIN_BYTES:
        return [
            parse_group(jobs, os.path.join(stage_dir, "rows-0.parquet"), max_record_bytes, max_file_bytes, progress)
        ]
    groups = balanced_groups(jobs, workers)
    stage_paths = [os.path.join(stage_dir, f"rows-{k}.parquet") for k in range(len(groups))]
    # This process parses the first group itself while the workers parse the others: it would
    # only wait otherwise, and a worker costs ~0.6 s of CPU to start (Python, pyarrow, pandas).
    local = 1 if PARENT_PARSES else 0
    shared = SharedProgress(progress)
    children = [
        spawn_worker(group, path, max_record_bytes, max_file_bytes)
        for group, path in zip(groups[local:], stage_paths[local:])
    ]
    followed: list = []
    follower = threading.Thread(target=lambda: followed.extend(follow_workers(children, shared)), daemon=True)
    follower.start()
    try:
        stages = [parse_group(groups[0], stage_paths[0], max_record_bytes, max_file_bytes, shared)] if local else []
    finally:
        follower.join()
    for child, group, stage_path, (result, reported) in zip(children, groups[local:], stage_paths[local:], followed):
        if child.wait() != 0 or result is None:  # the worker died: parse its group here instead
            stages.append(parse_group(group, stage_path, max_record_bytes, max_file_bytes))
            shared.update(sum(min(job_bytes(job), max_file_bytes) for job in group) - reported)
        else:
            stages.append(
                Stage(stage_path, result["rows"], [(tuple(ctx), reason) for ctx, reason in result["failures"]])
            )
    return sorted(stages, key=lambda stage: stage.path)


def spawn_worker(group: list, stage_path: str, max_record_bytes: int, max_file_bytes: int) -> subprocess.Popen:
    """A worker process parsing `group` into `stage_path`. Plain child processes rather than
    multiprocessing: under dbt, spawn would first re-import dbt's entry module in every worker,
    and fork does not survive DuckDB's threads."""
    task = {
        "jobs": group,
        "stage_path": stage_path,
        "max_record_bytes": max_record_bytes,
        "max_file_bytes": max_file_bytes,
    }
    child = subprocess.Popen([sys.executable, "-m", "sftmart.landing"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        child.stdin.write(json.dumps(task).encode())
        child.stdin.close()
    except BrokenPipeError:
        pass  # it died on start; its group is parsed in this process (parse_all)
    return child


class SharedProgress(Progress):
    """One progress bar moved by this process's own parse and by the thread that follows the
    workers."""

    def __init__(self, inner: Progress):
        super().__init__()
        self.inner, self.lock = inner, threading.Lock()

    def update(self, n: int) -> None:
        with self.lock:
            self.inner.update(n)


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
