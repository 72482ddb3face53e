"""Benchmark: `sftmart plan` against the build it plans, node by node (issue 23).

    python bench/bench_plan.py --case sample            # bundled sample, model layer on, make build's vars
    python bench/bench_plan.py --case corpus --raw-root bench/corpus/200000 --vars '{"model_layer": false}'
    python bench/bench_plan.py --case slice --raw-root <folder of ~1k real rows> --vars '{"max_steps": 8}'

Each case plans a build of a fresh warehouse (in-process, sftmart.plan), then runs that build
(`sftmart build --yes`, a child process; `--no-report` but for the sample case, which is `make build`) and reads dbt's per-node timings from
run_results.json. It prints the plan against the measurement: the total (target: within 2x) and
every node whose planned or measured time is at least `--min-seconds` (target: within 3x), and the
load average while the build ran (the plan prices the machine's contention at planning time).
Results: bench/results/plan-<case>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sftmart.cli_errors import parse_vars
from sftmart.plan import effective_vars
from sftmart.plan.estimate import Planner

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
CASE_VARS = {"sample": json.loads((REPO / "sample_data" / "build_vars.json").read_text())}  # make build's


def sample_load(stop: threading.Event, samples: list[float]) -> None:
    while not stop.wait(5.0):
        samples.append(os.getloadavg()[0])


def measure(raw_root: str | None, dbt_vars: dict, db: Path, report: bool) -> tuple[float, dict, list[float], list[str]]:
    target = db.parent / "target"  # dbt's run_results.json of this build alone
    env = dict(os.environ, SFTMART_DB=str(db), DBT_TARGET_PATH=str(target))
    cmd = [sys.executable, "-m", "sftmart.cli", "build", "--yes", "--vars", json.dumps(dbt_vars)]
    cmd += [] if report else ["--no-report"]
    cmd += ["--raw-root", raw_root] if raw_root else []
    loads: list[float] = [os.getloadavg()[0]]
    stop = threading.Event()
    sampler = threading.Thread(target=sample_load, args=(stop, loads), daemon=True)
    sampler.start()
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    stop.set()
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"build failed ({done.returncode})")
    results = json.loads((target / "run_results.json").read_text())
    progress = [line for line in done.stderr.splitlines() if line.startswith("build: ")]
    per_node: dict[str, float] = {}
    for r in results["results"]:
        kind, _, name = r["unique_id"].split(".")[:3]
        key = "dbt data tests" if kind == "test" else name
        per_node[key] = per_node.get(key, 0.0) + r["execution_time"]
    return wall, per_node, loads, progress[:1] + progress[-2:]


def compare(plan, wall: float, measured: dict, min_seconds: float) -> dict:
    planned: dict[str, float] = {}
    for n in plan.nodes:
        key = "dbt data tests" if n.node.startswith("test:") else n.node
        planned[key] = planned.get(key, 0.0) + n.seconds
    rows = []
    for node in sorted(set(planned) | set(measured), key=lambda k: -max(planned.get(k, 0), measured.get(k, 0))):
        p, m = planned.get(node, 0.0), measured.get(node, 0.0)
        if max(p, m) < min_seconds:
            continue
        ratio = max(p, 0.01) / max(m, 0.01)
        rows.append({"node": node, "plan_s": round(p, 1), "measured_s": round(m, 1), "ratio": round(ratio, 2)})
    within = [r for r in rows if 1 / 3 <= r["ratio"] <= 3]
    return {
        "total_plan_s": round(plan.total_seconds, 1),
        "total_measured_s": round(wall, 1),
        "total_ratio": round(plan.total_seconds / wall, 2),
        "nodes_compared": len(rows),
        "nodes_within_3x": len(within),
        "nodes": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", required=True)
    parser.add_argument("--raw-root")
    parser.add_argument("--vars", default="{}")
    parser.add_argument("--min-seconds", type=float, default=2.0)
    args = parser.parse_args()
    dbt_vars = CASE_VARS.get(args.case, {}) | parse_vars(args.vars)
    folder = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    db = folder / "w.duckdb"
    try:
        plan_vars = dbt_vars | ({"raw_root": os.path.abspath(args.raw_root)} if args.raw_root else {})
        started = time.monotonic()
        planner = Planner(effective_vars(plan_vars), db)
        plan = planner.plan()
        plan_s = time.monotonic() - started
        print(
            f"plan: {plan.total_seconds:,.0f} s (contention {plan.contention:.1f}), made in {plan_s:.1f} s", flush=True
        )
        # the sample case is `make build` itself (its report included); the others stop at the warehouse
        wall, measured, loads, progress = measure(args.raw_root, dbt_vars, db, report=args.case == "sample")
        out = compare(plan, wall, measured, args.min_seconds)
        out |= {
            "case": args.case,
            "vars": dbt_vars,
            "raw_root": args.raw_root,
            "plan_seconds_to_make": round(plan_s, 1),
        }
        out |= {"contention_at_plan": round(plan.contention, 2), "load_during_build": [min(loads), max(loads)]}
        out |= {
            "progress_lines": progress,
            "calibration": {k: v for k, v in plan.calibration.items() if k != "fingerprint"},
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"plan-{args.case}.json").write_text(json.dumps(out, indent=1, default=str))
    print(f"total: plan {out['total_plan_s']} s, measured {out['total_measured_s']} s, ratio {out['total_ratio']}")
    print(f"nodes within 3x: {out['nodes_within_3x']} of {out['nodes_compared']} (>= {args.min_seconds} s)")
    print("| node | plan s | measured s | plan/measured |\n|---|---|---|---|")
    for r in out["nodes"]:
        print(f"| {r['node']} | {r['plan_s']} | {r['measured_s']} | {r['ratio']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
