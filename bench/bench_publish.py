"""Benchmark: what publishing costs (sftmart/publish.py, sftmart/carry.py) beside a no-op rebuild.

    python bench/bench_publish.py --db /tmp/w/warehouse.duckdb [--raw-root bench/corpus/1000000/raw] [--rebuild]

`--db` is a warehouse already built from `--raw-root` (default: the bundled sample), model layer off. Times, wall and CPU seconds
of this process, each step of the write-audit-publish cycle on that file:
  copy     the byte copy of the whole published file (and its log) that every run made before its
           build until the carry replaced it (prepare_build without `fresh`): the baseline
  audit    row_guard.refusal: rows of every guarded table and view, published and built
  swap     publish: fsync of the copy, the rename over the published file, fsync of the folder
With --rebuild it then runs `dbt build` once more with nothing changed (model layer off, the same
raw_root) and times it (wall; CPU seconds of the dbt process tree). That run starts from an empty
copy and carries what it does not rebuild (the incremental tables: the landing, the validation
history); its hook's own timing of the carry is `carry`. The shares: the old way (copy + audit +
swap) and the new (carry + audit + swap), each of the no-op rebuild that pays it, and the file's
size before and after the rebuild (a byte copy kept the space a rebuild frees, so it grew).
Prints one JSON object; the load average is in it, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from sftmart import publish, row_guard
from sftmart.paths import build_path

REPO = Path(__file__).resolve().parent.parent


def timed(step):
    wall, cpu = time.monotonic(), time.process_time()
    result = step()
    return {"wall_s": round(time.monotonic() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3)}, result


def publish_steps(db: Path) -> dict:
    lock = publish.BuildLock(db)
    try:
        expected = publish.identity(db)
        copy, build = timed(lambda: publish.prepare_build(db, build_path(db)))
        audit, refused = timed(lambda: row_guard.refusal(db, build, 0.5))
        assert refused is None, refused
        swap, _ = timed(lambda: publish.publish(build, db, expected))
    finally:
        lock.release()
    return {"copy": copy, "audit": audit, "swap": swap}


def noop_rebuild(db: Path, raw_root: Path | None) -> dict:
    args = [sys.executable, "-m", "dbt.cli.main", "build", "--project-dir", str(REPO / "dbt_project")]
    args += ["--profiles-dir", str(REPO / "profiles")]
    dbt_vars = {"model_layer": False} | ({"raw_root": str(raw_root)} if raw_root else {})
    args += ["--vars", json.dumps(dbt_vars)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(args, env=dict(os.environ, SFTMART_DB=str(db)), capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stdout[-3000:] + done.stderr[-2000:])
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    carried = re.search(r"sftmart: carried (\d+) relation\(s\) .* in ([\d.]+) s", done.stdout)
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "carried_relations": int(carried.group(1)),
        "carry_s": float(carried.group(2)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--raw-root", type=Path, help="the raw_root it was built from (default: the bundled sample)")
    parser.add_argument("--rebuild", action="store_true", help="also time a no-op dbt build")
    args = parser.parse_args()
    result = {"db_mb": round(args.db.stat().st_size / 2**20, 1), "load_before": os.getloadavg()[0]}
    result["publish"] = publish_steps(args.db)
    if args.rebuild:
        rebuild = result["noop_rebuild"] = noop_rebuild(args.db, args.raw_root)
        steps = result["publish"]
        both = steps["audit"]["wall_s"] + steps["swap"]["wall_s"]
        old_rebuild = rebuild["wall_s"] - rebuild["carry_s"] + steps["copy"]["wall_s"]
        result["publish_share_before"] = round((steps["copy"]["wall_s"] + both) / old_rebuild, 3)
        result["publish_share_now"] = round((rebuild["carry_s"] + both) / rebuild["wall_s"], 3)
        result["db_mb_after"] = round(args.db.stat().st_size / 2**20, 1)
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
