"""Benchmark: per-sample LM scoring (udfs/lm_scoring/) against the competition entry's naive loop.

    python bench/bench_scoring.py [--n 200] [--threads 2] [--scope response] [--repeats 1]
                                  [--source ../shared/data/alpaca-cot] [--json out.json]

On the same ~200 real Alpaca-CoT samples (English chain-of-thought and Chinese Alpaca, formatted
with `sftmart.prompts.alpaca_prompt`) under the real SmolLM2-135M-Instruct, in the same run:

* naive: the FT-Data-Ranker entry's loop -- one sample at a time, fp32, full logits and softmax over
  every position (prompt included), entropy as -sum p * log p from softmax probabilities;
* naive-pad16: the same maths over right-padded batches of 16 samples in data order;
* ours: `score_samples` (length-sorted token-budget batches, body once, LM head + log_softmax only
  at scored positions in chunks; bf16 body on CUDA, where ours-fp32 is the same code on the fp32
  model, checked against naive at --tol while the bf16 run is checked at --tol-bf16).

All three score the same token ids (prompt and response tokenised separately). Throughput is real
(unpadded) sequence tokens per second; the scores must agree with naive within --tol (entropy and
NLL). On CUDA it also prints model FLOP utilisation, MFU = 2 * params * tokens/s / peak bf16 FLOP/s.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

from scoring_baselines import naive_padded_scores, naive_scores  # noqa: E402 - beside this script

DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "alpaca-cot"

# Dense bf16 tensor-core peak (FLOP/s), by a substring of torch.cuda.get_device_name().
PEAK_BF16_FLOPS = [
    ("H200", 989e12),
    ("H100 PCIe", 756e12),
    ("H100 NVL", 835e12),
    ("H100", 989e12),
    ("GH200", 989e12),
    ("B200", 2250e12),
    ("B100", 1750e12),
    ("A100", 312e12),
    ("A800", 312e12),
    ("L40S", 362e12),
    ("L40", 181e12),
    ("L4", 121e12),
    ("A10G", 70e12),
    ("A10", 125e12),
    ("RTX 4090", 165e12),
    ("RTX 3090", 71e12),
    ("A6000", 155e12),
    ("V100", 125e12),
    ("T4", 65e12),
]


def peak_flops(device_name: str) -> float | None:
    for key, flops in PEAK_BF16_FLOPS:
        if key.lower() in device_name.lower():
            return flops
    return None


def load_samples(source: Path, n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """n samples, 3/4 English chain-of-thought and 1/4 Chinese Alpaca, drawn with a fixed seed."""
    from sftmart.prompts import alpaca_prompts

    def records(pattern):
        out = []
        for path in sorted(source.glob(pattern)):
            out += json.loads(path.read_text(encoding="utf-8"))
        return out

    rng = random.Random(seed)
    en, zh = records("chain-of-thought/*.json"), records("chinese-alpaca/*.json")
    if not en and not zh:
        raise SystemExit(f"no Alpaca-CoT records under {source}")
    n_zh = min(len(zh), n // 4)
    picked = rng.sample(en, min(len(en), n - n_zh)) + rng.sample(zh, n_zh)
    rng.shuffle(picked)
    prompts = [p for _, p in alpaca_prompts([(r.get("instruction") or "", r.get("input") or "") for r in picked])]
    return prompts, [r.get("output") or "" for r in picked]


def load_model():
    """(model, tokenizer, label): training.models' cached safetensors copy, else the GGUF directly."""
    try:
        from training.models import ModelSpec, load_model_and_tokenizer
    except ImportError:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from sftmart.hf_assets import default_tokenizer_dir, smollm2_gguf_path

        gguf = smollm2_gguf_path()
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=dtype)
        tokenizer = AutoTokenizer.from_pretrained(str(default_tokenizer_dir()))  # digits patched
        return model.to(device).eval(), tokenizer, f"{gguf.name} (GGUF, de-quantised)"
    spec = ModelSpec()
    model, tokenizer = load_model_and_tokenizer(spec)
    return model, tokenizer, f"{spec.model_dir().name} (training.models)"


def timed(fn, cuda: bool):
    import torch

    if cuda:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if cuda:
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0


def max_diff(a: list[dict], b: list[dict], key: str) -> float:
    return max((abs(x[key] - y[key]) for x, y in zip(a, b) if x["n_tokens"]), default=0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--scope", choices=("response", "prompt"), default="response")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--budget", type=int, default=None, help="ours: padded tokens per batch")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved timing rounds (best kept)")
    parser.add_argument("--tol", type=float, default=1e-3, help="max |difference| from naive (fp32 variants)")
    parser.add_argument("--tol-bf16", type=float, default=5e-2, help="the same for ours with a bf16 body")
    parser.add_argument("--skip-pad16", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    import torch

    from udfs.lm_scoring import build_sequences, score_samples

    torch.set_num_threads(args.threads)
    prompts, responses = load_samples(args.source, args.n)
    t0 = time.perf_counter()
    model, tokenizer, label = load_model()
    load_s = time.perf_counter() - t0
    device = next(model.parameters()).device
    cuda = device.type == "cuda"
    device_name = torch.cuda.get_device_name(device) if cuda else f"CPU, {args.threads} torch threads"
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {label}: {n_params / 1e6:.1f}M params, loaded in {load_s:.1f} s; device {device_name}")

    seqs = [s for s in build_sequences(tokenizer, prompts, responses, args.scope, args.max_length) if s]
    n_tokens = sum(len(s.ids) for s in seqs)
    n_scored = sum(s.end - s.start for s in seqs)
    print(
        f"{len(prompts)} samples ({len(seqs)} scorable), {n_tokens} tokens, {n_scored} scored "
        f"(scope {args.scope}), longest {max(len(s.ids) for s in seqs)}"
    )

    # The naive paths run the model in fp32 everywhere, as the entry did.
    if next(model.parameters()).dtype == torch.float32:
        model_fp32 = model
    else:
        import copy

        model_fp32 = copy.deepcopy(model).float()

    def ours(scoring_model):
        return score_samples(
            scoring_model,
            tokenizer,
            prompts,
            responses,
            scope=args.scope,
            max_tokens_per_batch=args.budget,
            max_length=args.max_length,
            progress=False,
        )

    runs = {"ours": lambda: ours(model)}
    if model_fp32 is not model:  # CUDA: ours in bf16 above; the same code in fp32 for the 1e-3 check
        runs["ours-fp32"] = lambda: ours(model_fp32)
    runs["naive"] = lambda: naive_scores(model_fp32, seqs, len(prompts))
    if not args.skip_pad16:
        runs["naive-pad16"] = lambda: naive_padded_scores(model_fp32, seqs, len(prompts))

    # warm-up (kernels, allocator) on a few samples
    few = seqs[:4]
    score_samples(model, tokenizer, prompts[:4], responses[:4], scope=args.scope, progress=False)
    naive_scores(model_fp32, [s for s in few if s.index < 4], 4)

    best: dict[str, float] = {}
    outputs: dict[str, list[dict]] = {}
    for round_ in range(args.repeats):
        for name, fn in runs.items():
            out, seconds = timed(fn, cuda)
            outputs[name] = out
            best[name] = min(best.get(name, math.inf), seconds)
            print(f"  round {round_ + 1} {name:12s} {seconds:7.2f} s  {n_tokens / seconds:9.0f} tok/s")

    print(
        f"\n{'variant':12s} {'seconds':>8s} {'tok/s':>9s} {'scored tok/s':>13s} {'vs naive':>9s}"
        + ("   MFU" if cuda else "")
    )
    peak = peak_flops(device_name) if cuda else None
    table = {}
    for name, seconds in best.items():
        tps = n_tokens / seconds
        mfu = 2 * n_params * tps / peak if peak else None
        table[name] = {
            "seconds": seconds,
            "tokens_per_s": tps,
            "scored_tokens_per_s": n_scored / seconds,
            "speedup_vs_naive": best["naive"] / seconds,
            "mfu": mfu,
        }
        print(
            f"{name:12s} {seconds:8.2f} {tps:9.0f} {n_scored / seconds:13.0f} {best['naive'] / seconds:8.2f}x"
            + (f"  {mfu * 100:5.2f}%" if mfu is not None else ("   n/a" if cuda else ""))
        )
    if cuda and peak is None:
        print(f"(no peak FLOP/s known for {device_name!r}; MFU not computed)")

    checks = {}
    for name in outputs:
        if name == "naive":
            continue
        de = max_diff(outputs[name], outputs["naive"], "mean_entropy")
        dn = max_diff(outputs[name], outputs["naive"], "mean_nll")
        same_n = all(a["n_tokens"] == b["n_tokens"] for a, b in zip(outputs[name], outputs["naive"]))
        tol = args.tol_bf16 if name == "ours" and model_fp32 is not model else args.tol
        checks[name] = {
            "max_abs_entropy_diff": de,
            "max_abs_nll_diff": dn,
            "same_n_tokens": same_n,
            "tol": tol,
            "ok": same_n and de <= tol and dn <= tol,
        }
        print(
            f"agreement {name} vs naive: max |d entropy| {de:.2e}, max |d nll| {dn:.2e}, "
            f"n_tokens equal: {same_n} -> {'OK' if checks[name]['ok'] else 'FAIL'} (tol {tol:g})"
        )
    ratio = best["naive"] / best["ours"]
    print(
        f"\nours is {ratio:.2f}x naive"
        + (f", {best['naive-pad16'] / best['ours']:.2f}x naive-pad16" if "naive-pad16" in best else "")
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "model": label,
                    "params": n_params,
                    "device": device_name,
                    "samples": len(prompts),
                    "tokens": n_tokens,
                    "scored_tokens": n_scored,
                    "scope": args.scope,
                    "results": table,
                    "agreement": checks,
                },
                indent=2,
            )
        )
    return 0 if all(c["ok"] for c in checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
