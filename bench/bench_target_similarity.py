"""Embedding similarity toward the target (udfs/selection/target_similarity.py, what
mart_target_similarity runs per language) at scale: 1M candidates against 1,000 target rows, the
issue's figure (at most 60 s on CPU, memory bounded). Synthetic random vectors (the math does not
care what they mean), the default encoder's width (SmolLM2-135M's hidden state: 576).

The pool's matrix is what the node holds (the language's embeddings read from DuckDB); the scoring
centres and compares it in blocks of --batch-rows rows, so the memory it adds is one block of
cosines. Reports wall and CPU seconds (the machine is shared: CPU seconds are the steadier figure),
peak RSS before and after the scoring, and the largest difference from a float64 brute force on the
first --check rows.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/bench_target_similarity.py --candidates 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle BLAS threads sleep instead of spinning

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from udfs.selection.target_similarity import BATCH_ROWS, knn_mean_cosine  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=1_000_000)
    parser.add_argument("--targets", type=int, default=1_000)
    parser.add_argument("--dim", type=int, default=576)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS)
    parser.add_argument("--check", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    pool = np.empty((args.candidates, args.dim), dtype=np.float32)
    for lo in range(0, args.candidates, 65536):  # filled in place: no float64 temporary of the pool
        pool[lo : lo + 65536] = rng.standard_normal((min(65536, args.candidates - lo), args.dim), dtype=np.float32)
    targets = rng.standard_normal((args.targets, args.dim), dtype=np.float32) + 0.5  # an offset from the pool
    rss_input = peak_rss_mb()

    wall, cpu = time.perf_counter(), cpu_seconds()
    mean = pool.mean(axis=0)  # the language's candidate mean, as the node takes it
    similarity = knn_mean_cosine(pool, targets, args.k, center=mean, batch_rows=args.batch_rows)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    rss_peak = peak_rss_mb()

    n = min(args.check, args.candidates)
    c, t = pool[:n].astype(np.float64) - mean, targets.astype(np.float64) - mean
    cos = (c / np.linalg.norm(c, axis=1, keepdims=True)) @ (t / np.linalg.norm(t, axis=1, keepdims=True)).T
    brute = np.sort(cos, axis=1)[:, -args.k :].mean(axis=1)
    result = {
        "candidates": args.candidates,
        "targets": args.targets,
        "dim": args.dim,
        "k": args.k,
        "batch_rows": args.batch_rows,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "candidates_per_s": round(args.candidates / wall),
        "peak_rss_mb_input": round(rss_input),
        "peak_rss_mb": round(rss_peak),
        "pool_matrix_mb": round(pool.nbytes / 2**20),
        "max_abs_diff_vs_float64": float(np.abs(similarity[:n] - brute).max()),
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
