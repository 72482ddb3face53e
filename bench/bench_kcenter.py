"""K-Center-Greedy on generated embeddings (selection_data.py): the CPU default (lazy bounds with
a full refresh every 256 picks, udfs/selection/kcenter_lazy.py) against lazy bounds alone (no full
refresh) and the dense brute-force pass, same data, same run.

The dense pass makes one full pass over the rows per pick, so it is run for the first
`--dense-picks` picks only and its time per pick is extrapolated to the lazy run's pick count. It is
run twice on the lazy path's own float32 unit rows: in float32 (its default; the timing) and in
float64 (the exact brute force of those rows: its picks must equal the lazy path's prefix).

    OMP_WAIT_POLICY=PASSIVE nice .venv/bin/python bench/bench_kcenter.py --rows 100000 --dim 576 --share 0.1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle BLAS threads sleep instead of spinning

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from selection_data import rows, topics  # noqa: E402

from udfs.selection.kcenter import dense_kcenter, kcenter_greedy  # noqa: E402
from udfs.selection.kcenter_lazy import lazy_kcenter  # noqa: E402
from udfs.selection.vectors import unit_rows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=576)
    parser.add_argument("--share", type=float, default=0.1, help="token share to fill")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--dense-picks", type=int, default=600, help="spans two full refreshes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/kcenter.json"))
    args = parser.parse_args()
    embeddings = rows(0, args.rows, topics(max(1, args.rows // 100), args.dim, args.seed), args.seed)
    tokens = np.random.default_rng(args.seed + 1).integers(50, 500, size=args.rows)
    share = args.share * float(tokens.sum())
    kcenter_greedy(embeddings[:500], tokens[:500], 1e9)  # compile the numba kernels outside the timing

    lazy_seconds = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        picks = kcenter_greedy(embeddings, tokens, share, seed=args.seed, progress=True)
        lazy_seconds.append(time.perf_counter() - t0)

    x = unit_rows(embeddings)
    t0 = time.perf_counter()
    alone = lazy_kcenter(x, tokens, share, int(picks[0]), block=args.rows)
    alone_seconds = time.perf_counter() - t0
    prefix = min(args.dense_picks, len(picks))
    prefix_share = float(tokens[picks[:prefix]].sum())  # the dense pass stops after `prefix` picks
    dense = {}
    for name, rows_ in (("float32", x), ("float64", x.double())):
        t0 = time.perf_counter()
        got = dense_kcenter(rows_, tokens, prefix_share, int(picks[0]))
        seconds = time.perf_counter() - t0
        dense[name] = {
            "picks": len(got),
            "seconds": round(seconds, 2),
            "ms_per_pick": round(1000 * seconds / len(got), 2),
            "equal_to_lazy_prefix": bool(np.array_equal(got, picks[: len(got)])),
        }
    extrapolated = dense["float32"]["ms_per_pick"] * len(picks) / 1000
    result = {
        "rows": args.rows,
        "dim": args.dim,
        "share": args.share,
        "picks": len(picks),
        "lazy_seconds": [round(s, 2) for s in lazy_seconds],
        "lazy_alone_seconds": round(alone_seconds, 2),
        "lazy_alone_equal": bool(np.array_equal(alone, picks)),
        "lazy_alone_over_default": round(alone_seconds / min(lazy_seconds), 1),
        "dense_prefix": dense,
        "dense_seconds_extrapolated": round(extrapolated, 1),
        "dense_over_lazy": round(extrapolated / min(lazy_seconds), 1),
        "torch_threads": torch.get_num_threads(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
