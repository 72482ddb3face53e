"""Where one machine stops: the warehouse layers (model layer off, validation nodes out, as
bench_build.py) on corpora of growing size, with the peak RSS of the whole process tree (dbt and the
landing's worker processes) and a memory guard.

    python bench/bench_scale.py --corpus /tmp/c/1000000/raw /tmp/c/10000000/raw --work /tmp/scale [--max-rss-gb 16]

Corpora come from make_corpus.py (`--out` outside the repository). For each it builds a fresh
warehouse under --work, samples the tree's RSS every 0.5 s, kills the build (and says so) when it
passes --max-rss-gb, and reads per-model times from dbt's run_results.json. It prints, and writes to
<work>/scale.json, wall, CPU, peak RSS, warehouse size on disk, the time of every stage, and the
growth of each against the first corpus (1.0 = linear in rows)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import psutil
from bench_build import STAGES, dbt_args

from sftmart.paths import warehouse_state_dir


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def build(raw: Path, work: Path, max_rss: int) -> dict:
    rows = (
        json.loads((raw.parent / "manifest.json").read_text())["rows"]
        if (raw.parent / "manifest.json").exists()
        else None
    )
    db = work / f"scale-{raw.parent.name}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(warehouse_state_dir(db), ignore_errors=True)
    target = work / f"target-{raw.parent.name}"
    (target / "partial_parse.msgpack").unlink(missing_ok=True)
    log = open(work / f"build-{raw.parent.name}.log", "w")
    # validation left out (bench_build.dbt_args): publish it anyway (udfs/plugin.py)
    env = dict(os.environ, SFTMART_DB=str(db), SFTMART_PUBLISH_UNAUDITED="1")
    before = psutil.Process().cpu_times()
    started = time.monotonic()
    child = subprocess.Popen(dbt_args("build", raw, target), env=env, stdout=log, stderr=subprocess.STDOUT)
    proc, peak, killed = psutil.Process(child.pid), 0, False
    while child.poll() is None:
        peak = max(peak, tree_rss(proc))
        if peak > max_rss:
            for p in [*proc.children(recursive=True), proc]:
                p.kill()
            killed = True
        time.sleep(0.5)
    wall = time.monotonic() - started
    cpu = psutil.Process().cpu_times()
    result = {
        "corpus": str(raw),
        "rows": rows,
        "wall_s": wall,
        "peak_tree_rss_mb": peak / 2**20,
        "rc": child.returncode,
    }
    result["children_cpu_s"] = cpu.children_user + cpu.children_system - before.children_user - before.children_system
    result["killed_over_rss"] = killed
    if child.returncode == 0:
        timings = json.loads((target / "run_results.json").read_text())["results"]
        per_model = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in timings}
        result["stages_s"] = {label: per_model.get(model, 0.0) for model, label in STAGES.items() if model in per_model}
        result["dbt_tests_s"] = sum(t for name, t in per_model.items() if name not in STAGES)
        result["warehouse_gb"] = db.stat().st_size / 2**30
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", required=True, help="raw folders of make_corpus.py outputs")
    parser.add_argument("--work", type=Path, required=True, help="where the warehouses go (outside the repository)")
    parser.add_argument("--max-rss-gb", type=float, default=16.0)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for raw in args.corpus:
        result = build(raw.resolve(), args.work.resolve(), int(args.max_rss_gb * 2**30))
        results.append(result)
        (args.work / "scale.json").write_text(json.dumps(results, indent=2))
        print(json.dumps(result, indent=2), flush=True)
        if result["rc"] != 0:
            print(f"build of {raw} failed (rc {result['rc']}, killed over RSS: {result['killed_over_rss']})")
            break
    base = results[0]
    for r in results[1:]:
        if r["rc"] or not r["rows"] or not base["rows"]:
            continue
        scale = r["rows"] / base["rows"]
        print(f"\n{base['rows']:,} -> {r['rows']:,} rows (x{scale:g}): wall x{r['wall_s'] / base['wall_s']:.2f}, "
              f"peak RSS x{r['peak_tree_rss_mb'] / base['peak_tree_rss_mb']:.2f}")  # fmt: skip
        for label, seconds in r.get("stages_s", {}).items():
            before = base["stages_s"].get(label) or 0
            growth = seconds / before / scale if before else float("nan")
            print(f"  {label:<22} {before:8.1f} s -> {seconds:8.1f} s  growth/rows {growth:.2f}")


if __name__ == "__main__":
    main()
