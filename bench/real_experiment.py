"""The experiment on real Alpaca-CoT data, in one command (issues 20 item 8 and 21 "shown on real data").

    bench/real_experiment.py --out DIR [--data ../shared/data/alpaca-cot] [--subset ecqa]
        [--heldout-rows 80] [--target-rows 100] [--pool-rows 600] [--seeds 3] [--random-draws 5]
        [--arms curated random length target_dsir target_embed] [--token-budget 6000]
        [--budget-fractions 0.5 1] [--learning-rate 1e-3] [--max-steps N] [--mix-only] [--vars YAML]

The defaults are the run the README shows: 45 minutes on the two cores (34 LoRA adapters, each arm's
whole mix once, at the guide's learning rate 1e-3 since a few steps at the competition's 2.5e-5
barely move an adapter).

Reads the shared data in place and writes only under DIR:
  DIR/eval/<subset>-heldout/heldout.json  the held-out slice (eval_root): the rows of one CoT subset
                                          whose record hash sorts first (deterministic, no seed);
  DIR/target/<subset>-target/target.json  the target slice (target_root): the next rows, disjoint
                                          from the held-out slice by normalised question;
  DIR/pool/...                            with --pool-rows, a seeded slice of every shared file (the
                                          held-out and target rows always kept, so decontamination
                                          has them to remove); without it the pool is the data itself;
  DIR/warehouse.duckdb                    the warehouse (SFTMART_DB);
  DIR/comparison.csv, comparison.md       marts.mart_arm_comparison as it is (select *);
  DIR/curve.csv, curve.png                marts.mart_arm_curve and its plot (the report's figure);
  DIR/target_share.csv                    per arm and seed, the target subset's share of the mix;
  DIR/funnel.csv, DIR/summary.md          the funnel (eval_decontaminated removals) and the paths.
--mix-only builds `+mart_arm_mixes` with model_layer false (draws need no training: random and
target_dsir), for the target share alone. --seeds N draws every arm N times; --random-draws K
(default N) draws the random arm K times: the K random mixes the comparison ranks each arm among.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

from real_experiment_results import write_results

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "alpaca-cot"
COT = "chain-of-thought"
FRACTIONS_VAR = "arm_budget_fractions"


def record_key(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def question_key(record: dict) -> str:
    text = f"{record.get('instruction', '')} {record.get('input', '')}".replace("\\n", "\n")
    return re.sub(r"\s+", " ", text).strip().lower()


def split_subset(records: list[dict], heldout_rows: int, target_rows: int) -> tuple[list[dict], list[dict]]:
    """The held-out and target slices: records in the order of their hash, one per normalised
    question (a question in both slices would fail the build's overlap check)."""
    seen: set[str] = set()
    picked: list[dict] = []
    for record in sorted(records, key=record_key):
        q = question_key(record)
        if q in seen:
            continue
        seen.add(q)
        picked.append(record)
        if len(picked) == heldout_rows + target_rows:
            break
    if len(picked) < heldout_rows + target_rows:
        raise SystemExit(f"the subset has {len(picked)} distinct questions, fewer than held-out + target rows")
    return picked[:heldout_rows], picked[heldout_rows:]


def read_units(path: Path) -> list:
    """A file's records: a JSON array's elements, or a JSONL file's lines (kept as text)."""
    if path.suffix == ".jsonl":
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def write_units(path: Path, units: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("".join(u + "\n" for u in units), encoding="utf-8")
    else:
        path.write_text(json.dumps(units, ensure_ascii=False, indent=1), encoding="utf-8")


def data_files(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*") if p.suffix in (".json", ".jsonl") and p.is_file())


def write_pool(data: Path, out: Path, pool_rows: int, keep: list[dict], seed: int) -> Path:
    """A seeded slice of every file, pool_rows in all (each file its share of the rows), with the
    rows of `keep` (held-out and target) kept wherever they are."""
    files = data_files(data)
    units = {p: read_units(p) for p in files}
    total = sum(map(len, units.values()))
    kept = {record_key(r) for r in keep}
    root = out / "pool"
    for path in files:
        rows = units[path]
        planted = [u for u in rows if isinstance(u, dict) and record_key(u) in kept]
        rest = [u for u in rows if not (isinstance(u, dict) and record_key(u) in kept)]
        n = min(len(rest), max(1, round(pool_rows * len(rows) / total)))
        chosen = random.Random(f"{seed}:{path.relative_to(data)}").sample(rest, n)
        write_units(root / path.relative_to(data), planted + chosen)
    return root


def write_slices(data: Path, out: Path, subset: str, heldout_rows: int, target_rows: int) -> tuple[Path, Path]:
    records = read_units(data / COT / f"{subset}_train.json")
    heldout, target = split_subset(records, heldout_rows, target_rows)
    eval_root, target_root = out / "eval", out / "target"
    write_units(eval_root / f"{subset}-heldout" / "heldout.json", heldout)
    write_units(target_root / f"{subset}-target" / "target.json", target)
    return eval_root, target_root


def known_vars() -> set[str]:
    from sftmart.vars import var_spec

    return set(var_spec())


def run_vars(args, eval_root: Path, target_root: Path) -> dict:
    import yaml

    known = known_vars()
    dbt_vars = {
        "eval_root": str(eval_root),
        "target_root": str(target_root),
        "token_budget": args.token_budget,
        "en_ratio": args.en_ratio,
        "eval_generation_samples": 0,
        "epochs": 1,
        "max_steps": args.max_steps,
        "learning_rate": args.learning_rate,
        "guide_token_budget": args.guide_token_budget,
    }
    if args.en_ratio == 1.0:  # an English-only mix: no Chinese row needs landing or scoring
        dbt_vars["keep_languages"] = ["en"]
    if args.mix_only:
        arms = [arm for arm in args.arms if arm != "target_embed"]  # embeddings need the model layer
        if arms != args.arms:
            print("--mix-only: target_embed left out (it ranks by the model layer's embeddings)")
        dbt_vars.update(model_layer=False, arms=arms, arm_seeds=list(range(1, args.seeds + 1)))
        dbt_vars.update({"random_draws": args.random_draws} if args.random_draws else {})
    if args.budget_fractions:
        dbt_vars[FRACTIONS_VAR] = args.budget_fractions
    dbt_vars.update(yaml.safe_load(args.vars) or {})
    return {k: v for k, v in dbt_vars.items() if k in known}


def sftmart(args, db: Path, raw_root: Path, dbt_vars: dict) -> int:
    # dbt's target folder beside the warehouse, so runs in one checkout do not share it
    env = dict(os.environ, SFTMART_DB=str(db), PYTHONPATH=str(REPO), DBT_TARGET_PATH=str(db.parent / "dbt_target"))
    exe = [sys.executable, "-m", "sftmart.cli"]
    if args.mix_only:
        cmd = [*exe, "build", "--select", "+mart_arm_mixes", "+mart_pipeline_funnel", "--no-report"]
    else:
        cmd = [*exe, "experiment", "--arms", *args.arms, "--seeds", str(args.seeds)]
        cmd += ["--random-draws", str(args.random_draws)] if args.random_draws else []
    cmd += ["--raw-root", str(raw_root), "--vars", json.dumps(dbt_vars)]
    print("$", " ".join(cmd), flush=True)
    with open(db.parent / "run.log", "a", encoding="utf-8") as log:
        return subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO).returncode


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--subset", default="ecqa", help="the CoT subset of the held-out and target slices")
    p.add_argument("--heldout-rows", type=int, default=80)
    p.add_argument("--target-rows", type=int, default=100)
    p.add_argument("--pool-rows", type=int, default=600, help="a seeded slice of this many pool rows (0: all)")
    p.add_argument("--pool-seed", type=int, default=1)
    p.add_argument("--seeds", type=int, default=3, help="seeds per arm")
    p.add_argument("--random-draws", type=int, default=5, help="K random mixes each arm is ranked among")
    p.add_argument("--arms", nargs="+", default=["curated", "random", "length", "target_dsir", "target_embed"])
    p.add_argument("--token-budget", type=int, default=6000)
    p.add_argument("--en-ratio", type=float, default=1.0, help="English share (target and held-out are English)")
    p.add_argument("--max-steps", type=int, help="cap LoRA steps (default: none, every arm trains its whole mix once)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="the arms' LoRA learning rate")
    p.add_argument("--guide-token-budget", type=int, default=15000)
    p.add_argument(
        "--budget-fractions",
        type=float,
        nargs="+",
        default=[0.5, 1.0],
        help=f"var {FRACTIONS_VAR}: each arm at these shares of the budget (a loss curve)",
    )
    p.add_argument("--mix-only", action="store_true", help="build +mart_arm_mixes, model layer off (no training)")
    p.add_argument("--vars", default="{}", help="more dbt vars (YAML), applied last")
    p.add_argument("--slices-only", action="store_true", help="write the slices and stop")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    eval_root, target_root = write_slices(args.data, out, args.subset, args.heldout_rows, args.target_rows)
    raw_root = args.data.resolve()
    if args.pool_rows:
        keep = read_units(eval_root / f"{args.subset}-heldout" / "heldout.json")
        keep += read_units(target_root / f"{args.subset}-target" / "target.json")
        raw_root = write_pool(args.data, out, args.pool_rows, keep, args.pool_seed)
    if args.slices_only:
        return 0
    db = out / "warehouse.duckdb"
    dbt_vars = run_vars(args, eval_root, target_root)
    rc = sftmart(args, db, raw_root, dbt_vars)
    notes = [f"command rc={rc}; log: {out / 'run.log'}", f"vars: {json.dumps(dbt_vars)}", f"raw_root: {raw_root}"]
    if db.exists():
        notes += write_results(out, db, args.subset)
    (out / "summary.md").write_text("\n".join(f"- {n}" for n in notes) + "\n", encoding="utf-8")
    print(f"summary: {out / 'summary.md'}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
