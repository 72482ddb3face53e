"""Bench: DSIR features and weights (the int_dsir_* models) for N candidates against a target.

    python bench/bench_dsir.py [--rows 1000000] [--target-rows 200] [--keep DIR] [--explain] [--ab-rows N]

Writes a DuckDB file holding marts.mart_candidate_pool (real Alpaca-CoT rows from
../shared/data/alpaca-cot, the four CoT subsets and chinese-alpaca, cycled to --rows with the row
number appended so no two texts are equal) and intermediate.int_target_records (--target-rows
other aqua rows), then runs `dbt run --select` of the four DSIR models on it, as a build does (the
UDF, the SQL, 2 threads, the profile's memory limit). It reports each node's execution time from
run_results.json: features (the hashing UDF), counts, log ratios and weights.

Target (issue 21): features and weights for 1M candidates in at most 30 s on two cores. Cycling
real rows repeats their n-grams, so the hashing's cross-call cache hits more often than on a pool
of 1M distinct texts: the time is a lower bound for such a pool.

Figures (the numba kernel against the former Python UDF, same run): bench/RESULTS.md, "Current
figures" and the DSIR section.
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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "alpaca-cot"
NODES = ("int_dsir_ngram_features", "int_dsir_ngram_counts", "int_dsir_bucket_log_ratios", "int_dsir_pool_weights")


def records(pattern: str) -> list[dict]:
    out = []
    for path in sorted(DATA.glob(pattern)):
        out += json.loads(path.read_text(encoding="utf-8"))
    return out


def write_warehouse(db: Path, rows: int, target_rows: int) -> None:
    en, zh = records("chain-of-thought/*.json"), records("chinese-alpaca/*.json")
    aqua = records("chain-of-thought/aqua_train.json")
    source = [("en", r) for r in en] + [("zh", r) for r in zh]
    con = duckdb.connect(str(db))
    con.execute("create schema marts; create schema intermediate")
    src = pa.table(  # noqa: F841 - read by name below
        {
            "lang": [lang for lang, _ in source],
            "instruction": [r["instruction"] for _, r in source],
            "input": [r["input"] for _, r in source],
            "output": [r["output"] for _, r in source],
        }
    )
    reps = -(-rows // len(source))
    con.execute(f"""
        create table marts.mart_candidate_pool as
        with numbered as (select *, row_number() over () - 1 as k from src)
        select printf('%016x', j * {len(source)} + k) as sample_id, lang, instruction, input,
               output || ' ' || (j * {len(source)} + k) as output
        from numbered cross join range({reps}) as r (j)
        where j * {len(source)} + k < {rows}""")
    targets = [
        (f"t{i}", "en", "\n".join(x for x in (r["instruction"], r["input"], r["output"]) if x))
        for i, r in enumerate(aqua[-target_rows:])
    ]
    target = pa.table({n: [t[i] for t in targets] for i, n in enumerate(("target_id", "lang", "sample_text"))})  # noqa: F841
    con.execute("create table intermediate.int_target_records as select * from target")
    con.close()


def udf_ab(db: Path, rows: int) -> None:
    """Same-run A/B of the features UDF alone, in-process, on the pool's first `rows` texts in
    DuckDB's batches of 2048: the Python/hashlib baseline, then the numba kernel (cold: its tables
    start empty, as in a build); their outputs must be equal."""
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    import dsir_python_baseline

    from udfs import dsir

    con = duckdb.connect(str(db), read_only=True)
    texts = (
        con.execute(
            "select concat_ws(chr(10), instruction, nullif(input, ''), output) from marts.mart_candidate_pool "
            f"order by sample_id limit {rows}"
        )
        .to_arrow_table()
        .column(0)
        .combine_chunks()
    )
    con.close()
    dsir.ngram_buckets(texts.slice(0, 1))  # numba's compile (cached on disk) and the class tables
    batches = [texts.slice(i, 2048) for i in range(0, len(texts), 2048)]
    turns = threading.Lock()

    def taking_turns(batch):
        with turns:
            return dsir.ngram_buckets(batch)

    variants = {  # two threads call the UDF, as DuckDB's two do in a build
        "baseline (Arrow regex + hashlib)": dsir_python_baseline.ngram_buckets,
        "numba, threads taking turns": taking_turns,
        "numba, threads side by side": dsir.ngram_buckets,
    }
    results, outputs = {}, {}
    for name, udf in variants.items():
        dsir._local = threading.local()  # cold tables, as in a build
        wall, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(2) as pool:
            outputs[name] = list(pool.map(udf, batches))
        results[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        print(f"UDF {name:34s} {results[name][0]:7.1f} s wall {results[name][1]:7.1f} CPU-s for {len(texts)} texts")
    first = next(iter(outputs.values()))
    assert all(x.equals(y) for out in outputs.values() for x, y in zip(first, out)), "the features differ"
    (bw, bc), (tw, tc), (nw, nc) = results.values()
    print(f"UDF speed-up, same run: numba {bw / nw:.2f}x wall, {bc / nc:.2f}x CPU over the baseline (outputs equal);")
    print(f"  threads side by side vs taking turns: {tw / nw:.2f}x wall, {tc / nc:.2f}x CPU")


def explain(db: Path, target: Path) -> None:
    """EXPLAIN ANALYZE of the counts and weights models' compiled SQL over the built features (in
    the run's copy of the warehouse: a `dbt run` publishes nothing)."""
    built = db.parent / f"{db.name}.sftmart" / "build" / db.name
    con = duckdb.connect(str(built if built.exists() else db), read_only=True)
    for node in NODES[1:]:
        [sql] = list((target / "compiled").rglob(f"{node}.sql"))
        plan = con.execute("explain analyze " + sql.read_text()).fetchall()[-1][-1]
        print(f"--- {node}\n{plan}")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--target-rows", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temp folder, removed)")
    parser.add_argument(
        "--ab-rows", type=int, default=0, help="also A/B the UDF alone, old vs numba, on this many rows"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the counts and weights SQL")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-dsir-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "w.duckdb"
    t0 = time.perf_counter()
    write_warehouse(db, args.rows, args.target_rows)
    print(f"wrote {args.rows} candidates, {args.target_rows} targets in {time.perf_counter() - t0:.1f} s")
    dbt_vars = {"target_root": str(work), "model_layer": False}
    cmd = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        "run",
        "--project-dir",
        str(REPO / "dbt_project"),
        "--profiles-dir",
        str(REPO / "profiles"),
        "--target-path",
        str(work / "target"),
        "--select",
        " ".join(NODES),
        "--vars",
        json.dumps(dbt_vars),
    ]
    env = dict(os.environ, SFTMART_DB=str(db), PYTHONPATH=str(REPO))
    t0, cpu0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    wall, cpu1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    times = {r["unique_id"].rsplit(".", 1)[-1]: r["execution_time"] for r in results}
    for node in NODES:
        print(f"{node:32s} {times[node]:7.1f} s")
    total = sum(times[n] for n in NODES)
    print(
        f"features + weights: {total:.1f} s for {args.rows} candidates (dbt run wall {wall:.1f} s, {cpu:.1f} CPU-s;"
        f" peak RSS {cpu1.ru_maxrss / 1024:.0f} MB; target 30 s at 1M)"
    )
    if args.explain:
        explain(db, work / "target")
    if args.ab_rows:
        udf_ab(db, args.ab_rows)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
