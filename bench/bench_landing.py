"""Same-run A/B of the landing alone: large files cut into ranges (sftmart.landing.split) or not;
or (--ab parent) this process parsing one group itself or only workers parsing.

    python bench/bench_landing.py bench/corpus/200000-json/raw [--runs 3] [--ab split|parent]

Alternates the two settings `--runs` times on the same folder: the split (today's default) and
every file parsed whole (SPLIT_MIN_BYTES raised past every file); or the landing process parsing
the first group itself (today's default) and every group in a worker process. Each run lands the
folder into a fresh DuckDB file (the table the landing model materialises) and reports the wall
time of `land` + CREATE TABLE, of the parse alone, and the CPU time of all processes (on a shared
machine the wall time of parallel work depends on what else runs). Prints the median of each.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from sftmart.landing import land, split, workers


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (the landing workers)."""
    return sum(
        u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def one_run(root: Path, on: bool, ab: str) -> tuple[float, float, int, float]:
    split.SPLIT_MIN_BYTES = 16 << 20 if on or ab != "split" else 1 << 62
    workers.PARENT_PARSES = on or ab != "parent"
    parse_all, parse_s = workers.parse_all, [0.0]

    def timed_parse(*args, **kwargs):
        t = time.perf_counter()
        try:
            return parse_all(*args, **kwargs)
        finally:
            parse_s[0] += time.perf_counter() - t

    workers.parse_all = timed_parse
    land_module = sys.modules["sftmart.landing.land"]  # (the package's `land` is the function)
    land_module.parse_all = timed_parse
    try:
        with tempfile.TemporaryDirectory() as tmp:
            con = duckdb.connect(str(Path(tmp) / "w.duckdb"))
            started, cpu = time.perf_counter(), cpu_s()
            rel = land(con, root)  # noqa: F841 - read by name below
            con.execute("create table landing as select * from rel")
            wall, cpu = time.perf_counter() - started, cpu_s() - cpu
            rows = con.execute("select count(*) from landing").fetchone()[0]
            con.close()
    finally:
        workers.parse_all = land_module.parse_all = parse_all
    return wall, parse_s[0], rows, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ab", choices=("split", "parent"), default="split")
    args = ap.parse_args()
    results: dict[bool, list] = {True: [], False: []}
    for _ in range(args.runs):
        for on in (False, True):
            results[on].append(one_run(args.root, on, args.ab))
    names = {"split": ("each file whole  ", "split into ranges"), "parent": ("workers only     ", "this process too ")}
    for on, runs in results.items():
        walls = ", ".join(f"{r[0]:.2f}" for r in runs)
        parses = ", ".join(f"{r[1]:.2f}" for r in runs)
        print(
            f"{names[args.ab][on]}: landing {walls} s "
            f"(median {statistics.median(r[0] for r in runs):.2f}); parse {parses} s "
            f"(median {statistics.median(r[1] for r in runs):.2f}); CPU (all processes) median "
            f"{statistics.median(r[3] for r in runs):.2f} s; {runs[0][2]:,} rows"
        )


if __name__ == "__main__":
    main()
