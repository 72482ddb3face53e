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
scorer and eval-base must agree exactly.

Then the evaluator's two fast paths against the plain ways, in the same run, rounds in ABBA order,
wall and CPU seconds (the process's, all threads) each (`--only fast` skips the NLL part, `--only
mc` / `--only gen` run one of them):

* multiple choice: every prompt + option sequence scored whole (plain) against the options sharing
  their prompt's forward pass through the KV cache (shared); log-likelihoods within 1e-4; and the
  evaluator's response NLL + multiple choice together, plain against shared (a multiple-choice
  row's response NLL then comes from its options' pass);
* greedy generation on `--gen-prompts` free-answer prompts (the build's 16), `--max-new-tokens` each
  (the build's 64): transformers' `generate` in batches of 8 (hf-batched, the evaluator's former
  code), the evaluator's loop one prompt at a time (kv-one) and batched (kv-batched), both with the
  KV cache; and the plain loop, one prompt at a time without a cache, on the first
  `--plain-prompts` (one round; its seconds per prompt are scaled to the whole set). The token ids of
  plain and kv-batched are compared on those prompts, kv-one and kv-batched on all.
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


def nll_runs(base, adapted, rows, tokens: int, rounds: int) -> dict:
    from evaluation.responses import response_nlls
    from udfs.lm_scoring import score_samples

    prompts, responses = [r["prompt"] for r in rows], [r["response"] for r in rows]
    runs = {
        "scorer": lambda: [
            (s["mean_nll"] * s["n_tokens"], s["n_tokens"])
            for s in score_samples(base.scoring_model, base.tokenizer, prompts, responses, progress=False)
        ],
        "eval-base": lambda: response_nlls(base, rows, progress=False, shared=False),
        "eval-adapter": lambda: response_nlls(adapted, rows, progress=False, shared=False),
    }
    seconds = {name: [] for name in runs}
    outputs = {}
    for round_ in range(rounds):
        order = list(runs) if round_ % 2 == 0 else list(reversed(runs))
        for name in order:
            start = time.perf_counter()
            outputs[name] = runs[name]()
            seconds[name].append(time.perf_counter() - start)
            print(f"round {round_ + 1} {name}: {seconds[name][-1]:.1f} s", flush=True)
    assert outputs["scorer"] == outputs["eval-base"], "the evaluator's NLLs differ from the scorer's"
    best = {name: min(s) for name, s in seconds.items()}
    result = {"seconds": seconds}
    result["tokens_per_s"] = {name: tokens / s for name, s in best.items()}
    result["eval_base_vs_scorer"] = best["scorer"] / best["eval-base"]
    result["eval_adapter_vs_scorer"] = best["scorer"] / best["eval-adapter"]
    for name, rate in result["tokens_per_s"].items():
        print(f"{name:>13}: {rate:8.0f} tok/s (best of {rounds}; rounds {[round(s, 2) for s in seconds[name]]} s)")
    print(f"eval-base / scorer throughput: {result['eval_base_vs_scorer']:.3f}; ", end="")
    print(f"eval-adapter (unmerged) / scorer: {result['eval_adapter_vs_scorer']:.3f}")
    return result


def timed(fn, model=None):
    if model is not None:
        model.memo.clear()  # each run computes afresh
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def ab_rounds(runs: dict, rounds: int, model=None) -> tuple[dict, dict]:
    """Each run `rounds` times in ABBA order: (outputs, {name: {"wall": [...], "cpu": [...]}})."""
    seconds = {name: {"wall": [], "cpu": []} for name in runs}
    outputs = {}
    for round_ in range(rounds):
        for name in list(runs) if round_ % 2 == 0 else list(reversed(runs)):
            outputs[name], wall, cpu = timed(runs[name], model)
            seconds[name]["wall"].append(wall)
            seconds[name]["cpu"].append(cpu)
            print(f"round {round_ + 1} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return outputs, seconds


def _ratio(seconds: dict, slow: str, fast: str) -> dict:
    """How many times faster `fast` is than `slow`, best round against best round, wall and CPU."""
    return {kind: min(seconds[slow][kind]) / min(seconds[fast][kind]) for kind in ("wall", "cpu")}


def mc_paths(base, rows, args) -> dict:
    from evaluation.multiple_choice import option_logliks
    from evaluation.responses import response_nlls

    mc = [r for r in rows if r["options"]]
    out, seconds = ab_rounds(
        {
            "mc-plain": lambda: option_logliks(base, mc, progress=False, shared=False),
            "mc-shared": lambda: option_logliks(base, mc, progress=False, shared=True),
            "nll+mc-plain": lambda: (response_nlls(base, rows, False, False), option_logliks(base, mc, False, False)),
            "nll+mc-shared": lambda: (response_nlls(base, rows, False, True), option_logliks(base, mc, False, True)),
        },
        args.rounds,
        model=base,
    )
    diff = max(abs(a - b) for x, y in zip(out["mc-plain"], out["mc-shared"]) for a, b in zip(x, y))
    nll_diff = max(abs(a[0] - b[0]) for a, b in zip(*(out[k][0] for k in ("nll+mc-plain", "nll+mc-shared"))) if a)
    assert diff <= 1e-4 and nll_diff <= 1e-4, f"shared-prefix log-likelihoods differ by {diff}, NLLs by {nll_diff}"
    mc_result = {"questions": len(mc), "options": sum(len(r["options"]) for r in mc), "max_abs_diff": diff}
    mc_result |= {"nll_max_abs_diff": nll_diff, "seconds": seconds}
    mc_result["shared_vs_plain"] = _ratio(seconds, "mc-plain", "mc-shared")
    mc_result["nll_mc_shared_vs_plain"] = _ratio(seconds, "nll+mc-plain", "nll+mc-shared")
    print(f"multiple choice: shared/plain speed-up {mc_result['shared_vs_plain']}, max |diff| {diff:.2e}")
    print(f"nll + multiple choice: {mc_result['nll_mc_shared_vs_plain']}, max NLL |diff| {nll_diff:.2e}")
    return {"multiple_choice": mc_result}


def gen_paths(base, rows, args) -> dict:
    import torch

    from evaluation.generation import BATCH_ROWS, greedy_ids, greedy_ids_plain, prompt_ids

    tok, lm, n_new = base.tokenizer, base.scoring_model, args.max_new_tokens
    free = [r["prompt"] for r in rows if not r["options"]][: args.gen_prompts]
    ids = prompt_ids(tok, free, base.max_length, n_new)
    eos, pad = tok.eos_token_id, tok.pad_token_id

    def hf_batched(batch_rows: int = 8) -> list[list[int]]:  # the evaluator's former code
        out = [None] * len(ids)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for lo in range(0, len(order), batch_rows):
            batch = order[lo : lo + batch_rows]
            width = max(len(ids[i]) for i in batch)
            x = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, i in enumerate(batch):
                x[r, width - len(ids[i]) :] = torch.tensor(ids[i])
                mask[r, width - len(ids[i]) :] = 1
            gen = base.causal_lm.generate(
                input_ids=x,
                attention_mask=mask,
                max_new_tokens=n_new,
                do_sample=False,
                pad_token_id=pad,
                eos_token_id=eos,
            )
            for r, i in enumerate(batch):
                out[i] = [t for t in gen[r, width:].tolist()]
        return out

    with torch.inference_mode():
        gen_out, gen_seconds = ab_rounds(
            {
                "hf-batched": hf_batched,
                "kv-one": lambda: greedy_ids(lm, ids, n_new, eos, pad, rows=1),
                "kv-batched": lambda: greedy_ids(lm, ids, n_new, eos, pad, rows=BATCH_ROWS["cpu"]),
            },
            args.rounds,
        )
        plain_ids = ids[: args.plain_prompts]
        plain, wall, cpu = timed(lambda: greedy_ids_plain(lm, plain_ids, n_new, eos))
    scale = len(ids) / len(plain_ids)
    gen_seconds["plain"] = {"wall": [wall * scale], "cpu": [cpu * scale], "measured_prompts": len(plain_ids)}
    print(f"plain (no cache, one at a time): {wall:.1f} s wall, {cpu:.1f} s CPU for {len(plain_ids)} prompts")
    gen_result = {
        "prompts": len(ids),
        "max_new_tokens": n_new,
        "new_tokens": sum(map(len, gen_out["kv-batched"])),
        "seconds": gen_seconds,
        "plain_equal_kv_batched": sum(a == b for a, b in zip(plain, gen_out["kv-batched"])),
        "kv_one_equal_kv_batched": sum(a == b for a, b in zip(gen_out["kv-one"], gen_out["kv-batched"])),
        "hf_text_equal_kv_batched": sum(
            tok.decode(a, skip_special_tokens=True) == tok.decode(b, skip_special_tokens=True)
            for a, b in zip(gen_out["hf-batched"], gen_out["kv-batched"])
        ),
    }
    for slow in ("plain", "kv-one", "hf-batched"):
        gen_result[f"kv_batched_vs_{slow}"] = _ratio(gen_seconds, slow, "kv-batched")
    print(json.dumps({k: v for k, v in gen_result.items() if k != "seconds"}))
    return {"generation": gen_result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", choices=["all", "fast", "mc", "gen"], default="all")
    parser.add_argument("--gen-prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--plain-prompts", type=int, default=4, help="prompts the no-cache loop runs (it is slow)")
    args = parser.parse_args()

    import tempfile

    import torch

    from evaluation.models import load_eval_model
    from training.models import ModelSpec
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
    result = {"rows": len(rows), "tokens": tokens, "threads": args.threads}
    if args.only == "all":
        result |= nll_runs(base, adapted, rows, tokens, args.rounds)
    if args.only in ("all", "fast", "mc"):
        result |= mc_paths(base, rows, args)
    if args.only in ("all", "fast", "gen"):
        result |= gen_paths(base, rows, args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
