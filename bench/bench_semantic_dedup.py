"""Semantic dedup at scale: 1M generated embeddings (dimension 576, planted near-duplicates, see
selection_data.py) through the faiss IVF path in a child process, whose peak RSS is read back
(getrusage of the children, the figure /usr/bin/time -v prints); then the recall of that run's pairs
among the first 50k rows against exact search on those 50k rows.

    nice .venv/bin/python bench/bench_semantic_dedup.py --rows 1000000 --subset 50000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from selection_data import CHUNK_ROWS, rows, topics  # noqa: E402

THRESHOLD = 0.95


def child(n: int, out: Path, nprobe: int) -> None:
    from udfs.selection.pairs_ann import ann_pairs
    from udfs.selection.semantic_dedup import components

    centres = topics(1000, 576, 0)
    t0 = time.perf_counter()
    first, second = ann_pairs(
        lambda a, b: rows(a, b, centres, 0), n, THRESHOLD, nprobe=nprobe, chunk_rows=CHUNK_ROWS, progress=True
    )
    kept = components(n, first, second)
    seconds = time.perf_counter() - t0
    np.savez(out, first=first, second=second)
    print(
        json.dumps(
            {
                "rows": n,
                "seconds": round(seconds, 1),
                "pairs": int(first.size),
                "removed": int((kept != np.arange(n)).sum()),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--subset", type=int, default=50_000)
    parser.add_argument("--nprobe", type=int, default=8)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench/results/semantic_dedup_pairs.npz"))
    args = parser.parse_args()
    if args.child:
        return child(args.rows, args.out, args.nprobe)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--rows",
        str(args.rows),
        "--nprobe",
        str(args.nprobe),
        "--out",
        str(args.out),
    ]
    run = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    from udfs.selection.pairs_exact import exact_pairs

    found = np.load(args.out)
    inside = (found["first"] < args.subset) & (found["second"] < args.subset)
    approx = set(zip(found["first"][inside].tolist(), found["second"][inside].tolist()))
    t0 = time.perf_counter()
    ei, ej = exact_pairs(rows(0, args.subset, topics(1000, 576, 0), 0), THRESHOLD)
    exact = set(zip(ei.tolist(), ej.tolist()))
    result |= {
        "subset": args.subset,
        "exact_pairs": len(exact),
        "exact_seconds": round(time.perf_counter() - t0, 1),
        "recall": round(len(approx & exact) / max(1, len(exact)), 4),
        "false_pairs": len(approx - exact),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
