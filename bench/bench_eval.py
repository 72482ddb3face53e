"""Benchmark: the evaluator's response NLL against the scorer it reuses (issue 11: eval NLL tokens/s
within 10% of scoring tokens/s), and what an unmerged LoRA adapter costs.

    nice python bench/bench_eval.py [--rounds 2] [--threads 2] [--copies 1] [--json out.json]

On the bundled evaluation set (sample_data/eval: 120 records, about 9k tokens; `--copies` repeats it),
Alpaca prompts, under the real SmolLM2-135M-Instruct on CPU (fp32), in the same run, rounds in
ABBA order:

* scorer: `score_samples(model, ...)` with scope 'response', what mart_base_scores runs;
* eval-base: `evaluation.responses.response_nlls` on the base model (the same code behind the
  evaluator's model wrapper);
* eval-adapter: the same with a LoRA adapter applied by peft without a merge (r = 8 on the
  attention projections, the project's default; random non-zero weights), the cost of evaluating
  an arm without merging it.

Throughput is fed sequence tokens (prompt + response) per second, best of the rounds; the NLLs of
scorer and eval-base must agree exactly. Multiple-choice and greedy-generation seconds are printed
for information (one pass each).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))


def bundled_rows(copies: int) -> list[dict]:
    from sftmart.prompts import alpaca_prompt

    rows = []
    for path in sorted((REPO / "sample_data" / "eval").glob("*/*.json*")):
        text = path.read_text(encoding="utf-8")
        records = json.loads(text) if path.suffix == ".json" else [json.loads(x) for x in text.splitlines() if x]
        for i, r in enumerate(records):
            options, answer = r.get("options"), r.get("answer")
            if options and isinstance(answer, str):
                answer = options.index(answer) if answer in options else ord(answer.upper()) - ord("A")
            rows.append(
                {
                    "eval_id": f"{path.parent.name}/{i}",
                    "eval_set": path.parent.name,
                    "lang": path.parent.name.rsplit("-", 1)[-1],
                    "prompt": alpaca_prompt(r["instruction"], r.get("input") or ""),
                    "response": r["output"],
                    "options": options,
                    "answer_index": answer if options else None,
                }
            )
    return [dict(r, eval_id=f"{r['eval_id']}#{c}") for c in range(copies) for r in rows]


def make_adapter(spec, out: Path) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model

    from training.models import load_model_and_tokenizer, target_modules_for

    model, _ = load_model_and_tokenizer(spec)
    torch.manual_seed(0)
    config = LoraConfig(r=8, lora_alpha=32, target_modules=target_modules_for(model), init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(str(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import tempfile

    import torch

    from evaluation.generation import greedy_generations
    from evaluation.models import load_eval_model
    from evaluation.multiple_choice import option_logliks
    from evaluation.responses import response_nlls
    from training.models import ModelSpec
    from udfs.lm_scoring import score_samples
    from udfs.lm_scoring.sequences import _encode

    torch.set_num_threads(args.threads)
    rows = bundled_rows(args.copies)
    spec = ModelSpec(path="default", device="cpu", dtype="float32", max_length=1024)
    spec_json = spec.to_json()
    tokens = sum(
        map(len, _encode(load_eval_model(spec_json, None).tokenizer, [r["prompt"] + r["response"] for r in rows]))
    )
    with tempfile.TemporaryDirectory() as tmp:
        base = load_eval_model(spec_json, None)
        adapted = load_eval_model(spec_json, str(make_adapter(spec, Path(tmp) / "adapter")))
    prompts, responses = [r["prompt"] for r in rows], [r["response"] for r in rows]
    runs = {
        "scorer": lambda: [
            (s["mean_nll"] * s["n_tokens"], s["n_tokens"])
            for s in score_samples(base.scoring_model, base.tokenizer, prompts, responses, progress=False)
        ],
        "eval-base": lambda: response_nlls(base, rows, progress=False),
        "eval-adapter": lambda: response_nlls(adapted, rows, progress=False),
    }
    seconds = {name: [] for name in runs}
    outputs = {}
    for round_ in range(args.rounds):
        order = list(runs) if round_ % 2 == 0 else list(reversed(runs))
        for name in order:
            start = time.perf_counter()
            outputs[name] = runs[name]()
            seconds[name].append(time.perf_counter() - start)
            print(f"round {round_ + 1} {name}: {seconds[name][-1]:.1f} s", flush=True)
    assert outputs["scorer"] == outputs["eval-base"], "the evaluator's NLLs differ from the scorer's"
    best = {name: min(s) for name, s in seconds.items()}
    result = {"rows": len(rows), "tokens": tokens, "threads": args.threads, "seconds": seconds}
    result["tokens_per_s"] = {name: tokens / s for name, s in best.items()}
    result["eval_base_vs_scorer"] = best["scorer"] / best["eval-base"]
    result["eval_adapter_vs_scorer"] = best["scorer"] / best["eval-adapter"]
    mc = [r for r in rows if r["options"]]
    start = time.perf_counter()
    option_logliks(base, mc, progress=False)
    result["mc_seconds"] = {"questions": len(mc), "seconds": time.perf_counter() - start}
    free = [r["prompt"] for r in rows if not r["options"]][:32]
    start = time.perf_counter()
    greedy_generations(base, free, 32, progress=False)
    result["generation_seconds"] = {"prompts": len(free), "max_new_tokens": 32, "seconds": time.perf_counter() - start}
    for name, rate in result["tokens_per_s"].items():
        print(f"{name:>13}: {rate:8.0f} tok/s (best of {args.rounds}; rounds {[round(s, 2) for s in seconds[name]]} s)")
    print(f"eval-base / scorer throughput: {result['eval_base_vs_scorer']:.3f}; ", end="")
    print(f"eval-adapter (unmerged) / scorer: {result['eval_adapter_vs_scorer']:.3f}")
    print(f"multiple choice: {len(mc)} questions in {result['mc_seconds']['seconds']:.1f} s; ", end="")
    print(f"greedy: {len(free)} prompts x 32 new tokens in {result['generation_seconds']['seconds']:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
