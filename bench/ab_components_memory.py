"""A/B: peak memory and time of the near-duplicate components at 1M rows: links to each run's
smallest row, kept once (udfs/minhash/components.py) against links between neighbours in every band
(the version at REPLACED_AT, read from git history), each side in a fresh process, same keys.

    python bench/ab_components_memory.py [--rows 1000000] [--bands 25] [--dup-share 0.4] [--repeats 2]

The keys are generated: a `--dup-share` of the rows are near-copies of an earlier row and share 80%
of its band keys (as a near-duplicate shares most LSH bands). Both sides must give the same labels.
Peak is the child's max RSS above what it held after loading the keys. Results go to
bench/results/components_memory.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
REPLACED_AT = "464ebed"  # the last commit linking neighbours in every band

CHILD = """
import importlib.util, re, sys, time
import numpy as np
from scipy.sparse.csgraph import connected_components  # imported before the baseline RSS
spec = importlib.util.spec_from_file_location("components", sys.argv[1])
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
keys = np.load(sys.argv[2])
def high_water_kb():  # VmHWM belongs to this process's memory; ru_maxrss would carry the parent's over exec
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
base = high_water_kb()
started = time.perf_counter()
labels = module.connected_components(np.arange(len(keys), dtype=np.int64), keys)
seconds = time.perf_counter() - started
peak = (high_water_kb() - base) / 1024
np.save(sys.argv[3], labels)
print(seconds, peak)
"""


def make_keys(path: Path, rows: int, bands: int, dup_share: float) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    keys = rng.integers(0, 2**63, size=(rows, bands), dtype=np.uint64)
    dup = rng.random(rows) < dup_share
    dup[0] = False
    source = np.where(dup, (rng.random(rows) * np.arange(rows)).astype(np.int64), np.arange(rows))
    shared = (rng.random((rows, bands)) < 0.8) & dup[:, None]
    np.save(path, np.ascontiguousarray(np.where(shared, keys[source], keys)))  # C order, as the model reshapes them


def run(module: Path, keys: Path, labels: Path) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(module), str(keys), str(labels)], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    seconds, peak = map(float, out.split())
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bands", type=int, default=25)
    parser.add_argument("--dup-share", type=float, default=0.4)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    import numpy as np

    work = Path(tempfile.mkdtemp())
    keys = work / "keys.npy"
    make_keys(keys, args.rows, args.bands, args.dup_share)
    before = work / "components_before.py"
    before.write_text(subprocess.run(["git", "show", f"{REPLACED_AT}:udfs/minhash/components.py"], cwd=REPO,
                                     check=True, capture_output=True, text=True).stdout)  # fmt: skip
    sides = {"smallest_row_links": REPO / "udfs/minhash/components.py", "neighbour_links": before}
    results = {name: [] for name in sides}
    for _ in range(args.repeats):  # alternating, so both sides see the same machine
        for name, module in sides.items():
            results[name].append(run(module, keys, work / f"{name}.npy"))
    same = np.array_equal(np.load(work / "smallest_row_links.npy"), np.load(work / "neighbour_links.npy"))
    summary = {
        name: {"seconds": [round(s, 2) for s, _ in runs], "peak_mb_over_keys": [round(p) for _, p in runs]}
        for name, runs in results.items()
    }
    summary.update(rows=args.rows, bands=args.bands, dup_share=args.dup_share, same_labels=bool(same))
    print(json.dumps(summary, indent=1))
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "components_memory.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
