"""Benchmark: the whole `dbt build` on generated corpora of N rows; rows/s per stage and in total, peak RSS.

    python bench/bench_build.py --rows 50000 100000 200000 [--source ../shared/data/alpaca-cot]
                                [--layout split jsonl json mixture] [--data-juicer /path/to/venv/bin/python]

For each N and file layout (bench/corpus_writer.py: `split` JSONL parts of 20k rows, the default;
`jsonl` one JSONL file; `json` one JSON array; `mixture` the bundled sample's mix of shapes) it makes
(or reuses) bench/corpus/<N>[-<layout>], builds a fresh warehouse with `dbt build` in a child
process, reads per-model timings from dbt's run_results.json, and takes the child's peak RSS from
getrusage. dbt's partial-parse file is removed first, so the figure is that of the first build after
a vars change (--warm-parse keeps it). With --data-juicer it also runs Data-Juicer's equivalent
recipe on the same corpus in the same run (bench/data_juicer_baseline.py), with as many worker
processes as the machine has cores (`--dj-np`), and reports our speed as a ratio of it, the
CPU-seconds ratio beside. `--select +mart_candidate_pool --validate` times what users run for the
pool (`sftmart build --select`: the selection plus every layer's validation node). Results go to bench/results/build-<N>[-<layout>].json and bench/results/build_scaling.png.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sftmart.paths import warehouse_state_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_report import plot, print_result  # noqa: E402
from corpus_writer import LAYOUTS  # noqa: E402

CPU_SECONDS: list[float] = []  # CPU seconds of each timed child (its subtree)
BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
STAGES = {  # dbt model -> stage label
    "alpaca_cot_landing": "landing",
    "int_records_cleaned": "cleaning",
    "int_records_lang_tagged": "language tagging",
    "int_records_quality_scored": "quality stats",
    "int_samples_exact_deduped": "exact dedup",
    "int_samples_minhashed": "minhash",
    "int_near_duplicate_components": "near-dup components",
    "int_samples_tokenized": "token counting",
    "mart_candidate_pool": "candidate pool",
    "mart_training_mix": "training mix",
    "mart_pipeline_funnel": "funnel",
    "validate_raw": "GX raw",
    "validate_staging": "GX staging",
    "validate_intermediate": "GX intermediate",
    "validate_marts": "GX marts",
}


def corpus_name(rows: int, layout: str) -> str:
    return str(rows) if layout == "split" else f"{rows}-{layout}"


def make_corpus(rows: int, source: Path, layout: str = "split") -> Path:
    out = BENCH / "corpus" / corpus_name(rows, layout)
    if not (out / "manifest.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "make_corpus.py"),
                "--rows",
                str(rows),
                "--source",
                str(source),
                "--out",
                str(out),
                "--layout",
                layout,
            ],
            check=True,
        )
    return out / "raw"


def children_cpu_s() -> float:
    """User + system seconds of every waited-for descendant: wait4's own rusage covers the child
    alone, this also takes in its children (landing workers, Data-Juicer's) once they are reaped."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_child(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Runs a command; returns (wall seconds, that child's own peak RSS in MB, its stdout). Its CPU
    seconds (user + system, its own children included) go to CPU_SECONDS[-1]."""
    with tempfile.TemporaryFile("w+") as out:
        started, cpu_before = time.perf_counter(), children_cpu_s()
        child = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # rusage of this child alone (ru_maxrss in KiB)
        elapsed = time.perf_counter() - started
        out.seek(0)
        stdout = out.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[:4]} failed:\n{stdout[-5000:]}")
    CPU_SECONDS.append(children_cpu_s() - cpu_before)
    return elapsed, usage.ru_maxrss / 1024, stdout


def dbt_args(command: str, corpus: Path, target: Path, validate: bool = False, select: str | None = None) -> list[str]:
    """The dbt command on a corpus, model layer off; the GX validation nodes only with `validate`
    (Data-Juicer's recipe validates nothing, so the like-for-like comparison leaves them out);
    `select` narrows it to a dbt selection (plus the validation nodes with `validate`, as
    `sftmart build --select` runs it)."""
    selection = ["--select", select] + (["path:models/validation"] if validate else []) if select else []
    return (
        [
            sys.executable,
            "-m",
            "dbt.cli.main",
            command,
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO / "profiles"),
            "--target-path",
            str(target),
            "--vars",
            json.dumps({"raw_root": str(corpus), "model_layer": False}),
        ]
        + selection
        + ([] if validate else ["--exclude", "path:models/validation"])
    )


def run_dbt_build(
    corpus: Path,
    rows: int,
    models_only: bool = False,
    validate: bool = False,
    warm_parse: bool = False,
    select: str | None = None,
) -> dict:
    """One fresh `dbt build`; with models_only, `dbt seed` then a timed `dbt run` (no data tests).
    Unless warm_parse, dbt parses the project afresh (as after a vars change)."""
    db = RESULTS / f"build-{corpus.parent.name}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(warehouse_state_dir(db), ignore_errors=True)  # build copy, GX results: a fresh build
    target = RESULTS / f"target-{corpus.parent.name}"
    # the timed runs leave validation out (or run no tests): publish them anyway (udfs/plugin.py)
    env = dict(os.environ, SFTMART_DB=str(db), SFTMART_PUBLISH_UNAUDITED="1")
    if models_only:
        timed_child(dbt_args("seed", corpus, target), env)
    if not warm_parse:
        (target / "partial_parse.msgpack").unlink(missing_ok=True)
    wall, peak_mb, _ = timed_child(dbt_args("run" if models_only else "build", corpus, target, validate, select), env)
    cpu = CPU_SECONDS[-1]
    timings = json.loads((target / "run_results.json").read_text())["results"]
    per_model = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in timings}
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        pool = con.execute("select count(*) from marts.mart_candidate_pool").fetchone()[0]
    return {
        "rows": rows,
        "wall_s": wall,
        "rows_per_s": rows / wall,
        "peak_rss_mb": peak_mb,
        "cpu_s": cpu,
        "pool_rows": pool,
        "stages": {
            label: {
                "seconds": per_model.get(model, 0.0),
                "rows_per_s": rows / per_model[model] if per_model.get(model) else None,
            }
            for model, label in STAGES.items()
        },
        "dbt_tests_s": sum(t for name, t in per_model.items() if name not in STAGES),
    }


def run_data_juicer(corpus: Path, rows: int, python: str, np: int) -> dict:
    out = RESULTS / f"dj-{corpus.parent.name}"
    wall, peak_mb, stdout = timed_child(
        [python, str(BENCH / "data_juicer_baseline.py"), "--corpus", str(corpus), "--out", str(out), "--np", str(np)]
    )
    kept = json.loads(stdout.strip().splitlines()[-1])["kept"]
    return {
        "rows": rows,
        "layout": corpus.parent.name,
        "wall_s": wall,
        "rows_per_s": rows / wall,
        "peak_rss_mb": peak_mb,
        "cpu_s": CPU_SECONDS[-1],
        "kept": kept,
        "np": np,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000])
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared" / "data" / "alpaca-cot")
    parser.add_argument(
        "--layout", nargs="+", default=["split"], choices=LAYOUTS, help="file layouts of the corpus (corpus_writer.py)"
    )
    parser.add_argument("--warm-parse", action="store_true", help="keep dbt's partial parse (not a first build)")
    parser.add_argument(
        "--data-juicer-once",
        action="store_true",
        help="run Data-Juicer on the first layout only and compare every layout with it (its work after "
        "reading the files into one JSONL is the same for every layout)",
    )
    parser.add_argument("--data-juicer", help="python of a venv with py-data-juicer, for the same-run baseline")
    parser.add_argument(
        "--dj-np",
        type=int,
        default=os.cpu_count(),
        help="Data-Juicer's worker processes (default: every core, as dbt and the landing use them)",
    )
    parser.add_argument("--select", help="a dbt selection to time instead of the whole DAG, e.g. +mart_candidate_pool")
    parser.add_argument(
        "--validate", action="store_true", help="include the Great Expectations validation nodes in the timed build"
    )
    parser.add_argument(
        "--models-only",
        action="store_true",
        help="time `dbt run` (models, no data tests) after a `dbt seed`, instead of `dbt build`",
    )
    parser.add_argument(
        "--replot", action="store_true", help="only redraw the plot from every bench/results/build-<N>.json"
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.replot:
        saved = [json.loads(p.read_text()) for p in RESULTS.glob("build-*.json")]
        saved = [r for r in saved if r.get("layout", "split") == "split"]
        print(f"plot: {plot(sorted(saved, key=lambda r: r['rows']), RESULTS)}")
        return
    results = []
    dj_runs: dict[int, dict] = {}
    for rows, layout in [(rows, layout) for rows in args.rows for layout in args.layout]:
        corpus = make_corpus(rows, args.source, layout)
        result = run_dbt_build(corpus, rows, args.models_only, args.validate, args.warm_parse, args.select)
        result["validated"], result["select"] = args.validate, args.select
        result["layout"] = layout
        result["first_build_after_vars_change"] = not args.warm_parse
        if args.models_only:
            print(
                f"\n{rows:,} rows, dbt run (models only): {result['wall_s']:.1f} s, {result['rows_per_s']:,.0f} rows/s"
            )
            continue
        if args.data_juicer:
            if rows not in dj_runs or not args.data_juicer_once:
                dj_runs[rows] = run_data_juicer(corpus, rows, args.data_juicer, args.dj_np)
            result["data_juicer"] = dj_runs[rows]
            result["speedup_vs_data_juicer"] = result["rows_per_s"] / result["data_juicer"]["rows_per_s"]
        (RESULTS / f"build-{corpus_name(rows, layout)}.json").write_text(json.dumps(result, indent=2))
        results.append(result)
        print_result(result)
    if len(args.rows) > 1:
        first, last = results[0], results[-1]
        growth = (last["wall_s"] / first["wall_s"]) / (last["rows"] / first["rows"])
        print(f"\ntime growth vs row growth from {first['rows']:,} to {last['rows']:,}: {growth:.2f} (1.0 = linear)")
    if results:
        print(f"plot: {plot(results, RESULTS)}")


if __name__ == "__main__":
    main()
