"""Benchmark: what IFD and embeddings add to the scoring pass (udfs/lm_scoring/, issue: at most 35%).

    nice python bench/bench_signals.py [--n 300] [--threads 2] [--repeats 3] [--json out.json]

The same real Alpaca-CoT samples as bench/bench_scoring.py (3/4 English chain-of-thought, 1/4
Chinese Alpaca, Alpaca prompts) under the real SmolLM2-135M-Instruct, in the same run, A/B
interleaved round by round:

* scores: `score_samples(...)`, what guide scoring runs;
* scores+ifd+embedding: `score_samples(..., signals=("ifd", "embedding"))`, what base scoring runs
  (the response-alone sequences batched with the conditional ones, the embedding pooled from the
  same hidden states);
* with --attribute also scores+ifd and scores+embedding, to attribute the cost.

The added share is best(B) / best(A) - 1 (the median ratio of the rounds is printed beside it).
It also checks that the signals leave the scores unchanged and reports the token counts that set
the cost: the unconditional pass runs the body over every response token once more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from bench_scoring import DEFAULT_SOURCE, load_model, load_samples, timed  # noqa: E402

VARIANTS = {"scores": (), "scores+ifd+embedding": ("ifd", "embedding")}
ATTRIBUTION = {"scores+ifd": ("ifd",), "scores+embedding": ("embedding",)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--budget", type=int, default=None, help="padded tokens per batch")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--attribute", action="store_true", help="also time each signal alone")
    parser.add_argument("--limit", type=float, default=0.35, help="allowed added share")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    import torch

    from udfs.lm_scoring import build_sequences, score_samples, unconditional_sequences

    torch.set_num_threads(args.threads)
    prompts, responses = load_samples(args.source, args.n)
    model, tokenizer, label = load_model()
    cuda = next(model.parameters()).device.type == "cuda"
    seqs = build_sequences(tokenizer, prompts, responses, "response", args.max_length)
    extra = unconditional_sequences(tokenizer, responses, seqs, args.max_length)
    n_tokens = sum(len(s.ids) for s in seqs if s)
    n_extra = sum(len(s.ids) for s in extra)
    print(
        f"model {label}; {len(prompts)} samples, {n_tokens} tokens in the conditional pass, "
        f"{n_extra} more in the unconditional one ({n_extra / n_tokens:.1%})"
    )

    def run(signals):
        return score_samples(
            model,
            tokenizer,
            prompts,
            responses,
            signals=signals,
            max_tokens_per_batch=args.budget,
            max_length=args.max_length,
            progress=False,
        )

    variants = VARIANTS | (ATTRIBUTION if args.attribute else {})
    score_samples(model, tokenizer, prompts[:8], responses[:8], signals=("ifd", "embedding"), progress=False)  # warm-up
    times: dict[str, list[float]] = {name: [] for name in variants}
    outputs = {}
    for round_ in range(args.repeats):
        order = list(variants.items())
        for name, signals in order if round_ % 2 == 0 else order[::-1]:  # ABBA: drift cancels out
            outputs[name], seconds = timed(lambda s=signals: run(s), cuda)
            times[name].append(seconds)
            print(f"  round {round_ + 1} {name:22s} {seconds:7.2f} s")
    base = times["scores"]
    table = {}
    for name, ts in times.items():
        ratios = [t / b for t, b in zip(ts, base)]
        table[name] = {
            "best_s": min(ts),
            "added_best": min(ts) / min(base) - 1,
            "added_median": statistics.median(ratios) - 1,
        }
        print(
            f"{name:22s} best {min(ts):7.2f} s  added {table[name]['added_best']:+6.1%} (median of rounds {table[name]['added_median']:+6.1%})"
        )
    same = max(
        abs(a["mean_nll"] - b["mean_nll"])
        for a, b in zip(outputs["scores"], outputs["scores+ifd+embedding"])
        if a["n_tokens"]
    )
    added = table["scores+ifd+embedding"]["added_best"]
    ok = same <= 1e-4 and added <= args.limit
    print(
        f"scores unchanged by the signals: max |d nll| {same:.1e}; IFD + embeddings add {added:.1%} "
        f"(limit {args.limit:.0%}) -> {'OK' if ok else 'FAIL'}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "model": label,
                    "samples": len(prompts),
                    "tokens": n_tokens,
                    "unconditional_tokens": n_extra,
                    "results": table,
                    "ok": ok,
                },
                indent=2,
            )
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
