"""Benchmark: LoRA training steps on packed (padding-free) micro-batches against the plain padded loop.

    python bench/bench_packing.py [--n 16] [--batch-size 4] [--threads 2] [--check-batches 1]
                                  [--orders shuffled:padded,grouped:padded-trim]
                                  [--source ../shared/data/alpaca-cot] [--json out.json]

Same run, same model (the real SmolLM2-135M-Instruct with the trainer's LoRA adapter, from
training.models), same data (--n real Alpaca-CoT rows, 3/4 English chain-of-thought and 1/4 Chinese
Alpaca, read in place, as bench/bench_scoring.py draws them), same micro-batches of --batch-size
samples, each timed as forward + backward of the summed response loss:

* padded: the plain loop -- right-padded to the micro-batch's longest sample, logits everywhere;
* padded-trim: the trainer's padded path before packing (the LM head from the first response
  position of any row on, training.loss.batch_loss_sum);
* packed: training.packing -- one row, positions restarting per sample, attention per sample,
  the LM head only where a response token is predicted.

Micro-batches come in two orders: `shuffled` (a plain loop's random batches, against `padded`) and
`grouped` (the trainer's length-grouped batches, training.data.length_grouped_batches, against
`padded-trim`). Each micro-batch is timed A B B A (B A A B on the next) so both loops see the same
load; throughput is real (unpadded) tokens per second, the speed-up the median of the per-batch
ratios. Before timing, the variants' losses on the first --check-batches micro-batches (eval mode,
no dropout, LoRA weights perturbed off their zero start) must agree within --rtol, and so must the
padded and packed LoRA gradients of the first one.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from bench_scoring import DEFAULT_SOURCE, load_samples  # noqa: E402 - beside this script

VARIANTS = ("padded", "padded-trim", "packed")


def variant_loss(model, examples, variant: str, pad_token_id: int):
    from training.packing import micro_batch_loss_sum

    return micro_batch_loss_sum(
        model,
        examples,
        packed=variant == "packed",
        pad_token_id=pad_token_id,
        trim_logits=variant == "padded-trim",
    )


def batch_orders(lengths: list[int], batch_size: int, names: list[str]) -> dict[str, list[list[int]]]:
    from training.data import length_grouped_batches

    orders = {}
    for name in names:
        if name == "shuffled":
            order = list(range(len(lengths)))
            random.Random(0).shuffle(order)
            orders[name] = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        elif name == "grouped":
            orders[name] = length_grouped_batches(lengths, batch_size, seed=0)
        else:
            raise SystemExit(f"unknown order {name!r} (shuffled, grouped)")
    return orders


def check_agreement(model, examples, batches, pad_token_id: int, rtol: float) -> dict:
    """Max relative difference of the variants' losses over `batches`, and of padded and packed
    LoRA gradients on the first one (eval mode: no dropout). LoRA's B starts at zero, so the
    gradients are taken after one small step that makes every adapter matter."""
    import torch

    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    worst = 0.0
    with torch.no_grad():
        for p in params:
            p.add_(torch.randn_like(p) * 1e-2)
        for indices in batches:
            part = [examples[i] for i in indices]
            losses = [variant_loss(model, part, v, pad_token_id).item() for v in VARIANTS]
            worst = max(worst, max(abs(x - losses[0]) / abs(losses[0]) for x in losses))
    grads = []
    for variant in ("padded", "packed"):
        model.zero_grad(set_to_none=True)
        variant_loss(model, [examples[i] for i in batches[0]], variant, pad_token_id).backward()
        grads.append(torch.cat([p.grad.flatten() for p in params]))
    model.zero_grad(set_to_none=True)
    grad_diff = float((grads[0] - grads[1]).abs().max() / grads[0].abs().max())
    model.train()
    if worst > rtol or grad_diff > rtol:
        raise SystemExit(f"packed and padded disagree: loss rel diff {worst:.2e}, grad rel diff {grad_diff:.2e}")
    return {"loss_max_rel_diff": worst, "grad_max_rel_diff": grad_diff}


def timed(model, examples, indices, variant: str, pad_token_id: int) -> float:
    """Seconds for forward + backward of one micro-batch."""
    t0 = time.perf_counter()
    variant_loss(model, [examples[i] for i in indices], variant, pad_token_id).backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - t0


def abba(model, examples, batches, baseline: str, pad_token_id: int) -> dict:
    """Each micro-batch timed A B B A (B A A B on every other one) for A = baseline, B = packed."""
    seconds = {baseline: [], "packed": []}
    for k, indices in enumerate(batches):
        pair = (baseline, "packed") if k % 2 == 0 else ("packed", baseline)
        runs = {v: 0.0 for v in pair}
        for variant in (*pair, *reversed(pair)):
            runs[variant] += timed(model, examples, indices, variant, pad_token_id)
        for v in pair:
            seconds[v].append(runs[v] / 2)
        print(
            f"    micro-batch {k}: {baseline} {seconds[baseline][-1]:.1f} s, packed {seconds['packed'][-1]:.1f} s",
            flush=True,
        )
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=16, help="samples per order (micro-batches of --batch-size)")
    parser.add_argument("--batch-size", type=int, default=4, help="samples per micro-batch (train_batch_size)")
    parser.add_argument(
        "--orders",
        default="shuffled:padded,grouped:padded-trim",
        help="order:baseline pairs; orders shuffled|grouped, baselines padded|padded-trim",
    )
    parser.add_argument("--check-batches", type=int, default=1, help="micro-batches whose losses are compared")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--rtol", type=float, default=1e-5, help="max relative loss / gradient difference")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--seed", type=int, default=0, help="which rows are drawn (bench_scoring.load_samples)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    import torch

    from training.config import TrainConfig
    from training.data import encode_rows
    from training.models import ModelSpec, load_model_and_tokenizer
    from training.packing import use_packed_attention
    from training.train import prepare_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    prompts, responses = load_samples(args.source, args.n, seed=args.seed)
    spec = ModelSpec(device="cpu", dtype="float32")
    model, tokenizer = load_model_and_tokenizer(spec)
    model, _ = prepare_model(model, TrainConfig(max_length=args.max_length))
    packed_attention = use_packed_attention(model)
    print(
        f"model {spec.model_dir().name}, LoRA on the attention projections; per-sample attention: "
        f"{packed_attention}; CPU, {args.threads} torch threads"
    )
    rows = [{"prompt": p, "response": r} for p, r in zip(prompts, responses)]
    data = encode_rows(tokenizer, rows, args.max_length)
    examples, lengths = data.examples, data.lengths
    n_tokens = sum(lengths)
    print(
        f"{len(rows)} rows ({data.n_dropped_over_length} over {args.max_length} tokens), {n_tokens} tokens, "
        f"lengths median {statistics.median(lengths):.0f}, max {max(lengths)}"
    )

    pad = tokenizer.pad_token_id
    pairs = [item.split(":") for item in args.orders.split(",")]
    orders = batch_orders(lengths, args.batch_size, sorted({order for order, _ in pairs}))
    agreement = check_agreement(model, examples, orders[pairs[0][0]][: args.check_batches], pad, args.rtol)
    print(
        f"loss rel diff {agreement['loss_max_rel_diff']:.1e} over {args.check_batches} micro-batch(es), "
        f"grad rel diff {agreement['grad_max_rel_diff']:.1e}"
    )
    results = {
        "seed": args.seed,
        "n_rows": len(rows),
        "n_tokens": n_tokens,
        "batch_size": args.batch_size,
        **agreement,
        "orders": {},
    }
    timed(model, examples, orders[pairs[0][0]][0], "packed", pad)  # warm-up
    for order, baseline in pairs:
        batches = orders[order]
        padded_tokens = sum(len(b) * max(lengths[i] for i in b) for b in batches)
        print(f"[{order}] {baseline} vs packed, padded/real tokens {padded_tokens / n_tokens:.2f}", flush=True)
        seconds = abba(model, examples, batches, baseline, pad)
        ratios = [a / b for a, b in zip(seconds[baseline], seconds["packed"])]
        tok_s = {v: n_tokens / sum(s) for v, s in seconds.items()}
        results["orders"][order] = {
            "baseline": baseline,
            "padding": padded_tokens / n_tokens,
            "seconds": seconds,
            "tokens_per_s": tok_s,
            "speedup_median": statistics.median(ratios),
            "speedup_range": [min(ratios), max(ratios)],
            "speedup_total": sum(seconds[baseline]) / sum(seconds["packed"]),
        }
        print(
            f"  {baseline} {tok_s[baseline]:.1f} tok/s, packed {tok_s['packed']:.1f} tok/s; packed speed-up "
            f"median x{statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f}, "
            f"total x{results['orders'][order]['speedup_total']:.2f})",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
