"""python -m training --mart marts.mart_training_mix --out DIR: LoRA fine-tuning on a warehouse mart.

Reads the mart read-only, trains (resuming from DIR/checkpoints, or reusing DIR/adapter when the
model, data and config are unchanged), then appends the run as one JSON line to DIR/runs.jsonl
(--runs-file). The warehouse is never written: marts.training_runs is dbt's history of the DAG's runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sftmart.paths import warehouse_path
from training.config import RUNS_HISTORY_FILE, TrainConfig
from training.data import read_mart
from training.models import ModelSpec
from training.runs import append_run_history
from training.train import train_lora


def parse_args(argv: list[str]) -> argparse.Namespace:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="python -m training", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mart", default="marts.mart_training_mix", help="table with prompt/response columns")
    parser.add_argument("--out", required=True, help="output dir (adapter/, run.json, checkpoints/)")
    parser.add_argument("--db", help="warehouse DuckDB file (default: $SFTMART_DB or warehouse.duckdb)")
    parser.add_argument("--base", default="default", help="'default' (embedded SmolLM2) or a local HF model dir")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--max-steps", type=int, help="stop after N optimizer steps (overrides --epochs)")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--grad-accum", type=int, default=defaults.grad_accumulation)
    parser.add_argument("--lr", type=float, default=defaults.learning_rate)
    parser.add_argument("--max-length", type=int, default=defaults.max_length)
    parser.add_argument("--lora-r", type=int, default=defaults.lora_r)
    parser.add_argument("--lora-alpha", type=int, default=defaults.lora_alpha)
    parser.add_argument("--target-modules", nargs="+", help="LoRA target module names (default: attention)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--checkpoint-every", type=int, default=defaults.checkpoint_every)
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--padded", action="store_true", help="right-padded micro-batches instead of packed ones")
    parser.add_argument("--limit", type=int, help="train on the first N rows (by sample_id) only")
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    parser.add_argument("--trust-remote-code", action="store_true", help="allow custom model code (e.g. Baichuan)")
    parser.add_argument(
        "--runs-file", help=f"JSON-lines history the run is appended to (default: OUT/{RUNS_HISTORY_FILE})"
    )
    parser.add_argument("--no-record", action="store_true", help="do not append the run to the runs file")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    db = args.db or str(warehouse_path())
    spec = ModelSpec(
        path=args.base,
        dtype=args.dtype,
        device=args.device,
        max_length=args.max_length,
        trust_remote_code=args.trust_remote_code,
    )
    config = TrainConfig(
        epochs=args.epochs,
        max_steps=args.max_steps,
        batch_size=args.batch_size,
        grad_accumulation=args.grad_accum,
        learning_rate=args.lr,
        max_length=args.max_length,
        lora_r=args.lora_r,
        lora_alpha=args.lora_alpha,
        target_modules=args.target_modules,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        gradient_checkpointing=args.gradient_checkpointing,
        packed=not args.padded,
    )
    rows = read_mart(db, args.mart, limit=args.limit)
    if not rows:
        print(f"{args.mart} in {db} has no rows", file=sys.stderr)
        return 1
    print(f"Training on {len(rows):,} rows of {args.mart} ({db})", file=sys.stderr)
    try:
        run = train_lora(spec, rows, config, args.out, data_source=f"{db}:{args.mart}", progress=not args.quiet)
    except KeyboardInterrupt:
        return 130
    if not args.no_record:
        append_run_history(args.runs_file or Path(args.out) / RUNS_HISTORY_FILE, run, extra={"node": "cli"})
    summary = {
        k: getattr(run, k)
        for k in (
            "run_id",
            "reused",
            "n_samples",
            "n_dropped_over_length",
            "steps",
            "tokens_seen",
            "first_loss",
            "last_loss",
            "tail_loss_mean",
            "seconds",
            "adapter_path",
        )
    }
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
