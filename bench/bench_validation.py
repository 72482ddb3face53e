"""Bench: the GX marts suite on a synthetic 1,000,000-row training mix (and a 100,000-row baseline).

    python bench/bench_validation.py [--rows 100000 1000000] [--batch-rows 100000] [--keep DIR]

For each size it writes a temp DuckDB file with marts.mart_training_mix (alpaca-sized prompts and
responses, ~1 KB a row, half en and half zh), the raw.alpaca_cot_records rows the mix traces to and a
consistent marts.mart_pipeline_funnel, the candidate pool (the mix itself) and an all-learnable
marts.mart_sample_learnability, then validates it with the standalone re-check
`expectations.validate.validate_warehouse("marts", ...)` (the same code a validation node runs in
dbt, Data Docs included, into a GX project in the bench's work folder) in a fresh child process, so the peak RSS (resource.getrusage(RUSAGE_SELF).ru_maxrss) is that of the
validation alone. The budget vars are chosen so every expectation holds: the run must pass.
Target: under 2 GB peak RSS at 1M rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RSS_LIMIT_MB = 2048


def build_warehouse(path: Path, rows: int) -> dict:
    """Writes the synthetic warehouse; returns the dbt vars under which the mix is exactly right."""
    import duckdb

    con = duckdb.connect(str(path), config={"memory_limit": "2GB", "preserve_insertion_order": False})
    con.execute("create schema raw; create schema marts")
    con.execute(f"""
        create table marts.mart_training_mix as
        with ids as (
            select i, md5(i::varchar) as h, case when i % 2 = 0 then 'en' else 'zh' end as lang
            from range({rows}) as t(i))
        select
            substr(h, 1, 16) as sample_id,
            lang,
            'Below is an instruction that describes a task. Write a response that appropriately '
                || 'completes the request.\n\n### Instruction:\nQuestion ' || i::varchar || ': '
                || repeat(md5(h || 'p') || ' ', 6 + (i % 7)) || '\n\n### Response:\n' as prompt,
            'Answer ' || i::varchar || ': ' || repeat(md5(h || 'r') || ' ', 10 + (i % 13)) as response,
            60 + (i // 2) % 7 * 8 as n_prompt_tokens,
            100 + (i // 2) % 13 * 12 as n_response_tokens,
            160 + (i // 2) % 7 * 8 + (i // 2) % 13 * 12 as n_tokens,
            'synthetic' as source_collection,
            'synthetic/part-' || (i // 50000)::varchar || '.json' as source_file
        from ids""")
    con.execute("create view marts.mart_candidate_pool as select * from marts.mart_training_mix")
    con.execute("""
        create table marts.mart_sample_learnability as
        select sample_id, null::double as h_base, null::double as h_guide,
               null::double as relative_loss_drop, true as is_learnable, null::varchar as drop_reason
        from marts.mart_training_mix""")
    con.execute("""
        create table raw.alpaca_cot_records as
        select sample_id as record_id, source_collection, source_file,
               prompt as instruction, '' as input, response as output
        from marts.mart_training_mix""")
    tokens = dict(con.sql("select lang, sum(n_tokens) from marts.mart_training_mix group by 1").fetchall())
    assert tokens["en"] == tokens["zh"], tokens
    # Each language's share is one token short of what it holds: the last sample overshoots, legally.
    token_budget = 2 * (int(tokens["en"]) - 1)
    con.execute("""
        create table marts.mart_pipeline_funnel as
        select 8 as stage_order, 'training_mix' as stage, lang, count(*) as rows_in, count(*) as rows_out,
               0 as rows_removed, sum(length(prompt) + length(response)) as chars_out,
               sum(n_tokens) as tokens_out, map() as removed_by_reason, null::varchar as note
        from marts.mart_training_mix group by lang""")
    con.close()
    return {"token_budget": token_budget, "en_ratio": 0.5}


def validate_child(db: str, dbt_vars: dict, gx_root: str, batch_rows: int | None) -> None:
    """Runs in the child: validates and prints one JSON line."""
    started = time.perf_counter()
    import duckdb  # noqa: F401
    import great_expectations  # noqa: F401

    from expectations.validate import validate_warehouse

    imported = time.perf_counter()
    rss_after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = validate_warehouse("marts", db, dbt_vars=dbt_vars, gx_root=gx_root, batch_rows=batch_rows)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "passed": result.passed,
                "failures": [f[:5] for f in result.failures],
                "import_s": imported - started,
                "validate_s": done - imported,
                "rss_after_import_mb": rss_after_import,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "batches": max(o.batches for o in result.outcomes),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--batch-rows", type=int, default=None, help="record batch size (default: expectations.batches)"
    )
    parser.add_argument("--keep", help="write the warehouses here and keep them")
    parser.add_argument("--build", nargs=2, metavar=("DB", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=4, metavar=("DB", "VARS", "GX_ROOT", "BATCH_ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        print(json.dumps(build_warehouse(Path(args.build[0]), int(args.build[1]))))
        return 0
    if args.child:
        db, dbt_vars, gx_root, batch_rows = args.child
        validate_child(db, json.loads(dbt_vars), gx_root, int(batch_rows) or None)
        return 0

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="sftmart-gx-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    gx_root = workdir / "gx_project"  # the GX project, generated on first use
    measured = {}
    try:
        for rows in args.rows:
            db = workdir / f"mix_{rows}.duckdb"
            t0 = time.perf_counter()
            saved_vars = workdir / f"mix_{rows}.vars.json"
            if args.keep and db.exists() and saved_vars.exists():  # reuse a kept warehouse
                dbt_vars = json.loads(saved_vars.read_text())
            else:
                if db.exists():
                    db.unlink()
                # Built in a child too: a forked child starts with its parent's peak RSS (ru_maxrss).
                built = subprocess.run(
                    [sys.executable, __file__, "--build", str(db), str(rows)],
                    capture_output=True,
                    text=True,
                    cwd=REPO,
                    check=True,
                )
                dbt_vars = json.loads(built.stdout.strip().splitlines()[-1])
                saved_vars.write_text(json.dumps(dbt_vars))
            build_s = time.perf_counter() - t0
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(db),
                    json.dumps(dbt_vars),
                    str(gx_root),
                    str(args.batch_rows or 0),
                ],
                capture_output=True,
                text=True,
                cwd=REPO,
            )
            if done.returncode != 0:
                print(done.stdout, done.stderr, file=sys.stderr)
                return 1
            stats = json.loads(done.stdout.strip().splitlines()[-1])
            measured[rows] = stats
            print(
                f"{rows:>9,} rows: validate {stats['validate_s']:6.1f} s (+ {stats['import_s']:.1f} s GX import), "
                f"peak RSS {stats['peak_rss_mb']:7.0f} MB (after import {stats['rss_after_import_mb']:.0f} MB), "
                f"{stats['batches']} batches, passed={stats['passed']}  [synthetic build {build_s:.1f} s, "
                f"{db.stat().st_size / 1e6:.0f} MB file]",
                flush=True,
            )
            if not stats["passed"]:
                print(f"  unexpected failures: {stats['failures']}", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    sizes = sorted(measured)
    if len(sizes) >= 2:
        small, big = measured[sizes[0]], measured[sizes[-1]]
        print(
            f"ratio {sizes[-1] // sizes[0]}x rows: time x{big['validate_s'] / small['validate_s']:.1f}, "
            f"peak RSS x{big['peak_rss_mb'] / small['peak_rss_mb']:.2f}"
        )
    worst = max(s["peak_rss_mb"] for s in measured.values())
    ok = worst < RSS_LIMIT_MB and all(s["passed"] for s in measured.values())
    print(f"peak RSS {worst:.0f} MB {'<' if worst < RSS_LIMIT_MB else '>='} {RSS_LIMIT_MB} MB limit")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
