"""Throughputs of this machine on the real model, measured once and cached by machine.

A calibration run (a few seconds on two cores) loads the base model, scores a handful of bundled
samples, trains LoRA for a few optimiser steps and generates greedily, and times the token
counter: tokens per second of each. The result is stored under the user's cache dir
(`<cache>/plan/calibration.json`) keyed by the machine's fingerprint (CPU model, cores, memory,
torch version, the device the model runs on, the base model); a machine whose fingerprint
changed (another CPU, more memory, a new torch, a GPU) is calibrated again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from sftmart.paths import BUNDLED_SAMPLE, cache_dir

# Sizes near the build's own: a dozen samples scored at once ran at half the build's tokens/s
# (a fixed cost per pass), a batch of 4 generations at a third of its batch of 16.
SCORE_SAMPLES = 48  # bundled samples scored
CALIBRATION_SAMPLES = 12  # of them, trained on
TRAIN_STEPS = 3  # the first, which sets up the optimiser, is left out of the rate
GENERATION_ROWS, GENERATION_TOKENS = 16, 12  # evaluation/generation.py's batch on a CPU
VERSION = 4  # bump when what is measured changes


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def machine_fingerprint(device: str, base_model: str) -> dict:
    import torch

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(_memory_bytes() / 2**30),
        "torch": torch.__version__,
        "device": device,
        "base_model": base_model,
        "version": VERSION,
    }


def fingerprint_key(fingerprint: dict) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]


def calibration_path() -> Path:
    return cache_dir() / "plan" / "calibration.json"


def _bundled_rows(n: int) -> list[dict]:
    rows = []
    for path in sorted(BUNDLED_SAMPLE.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for r in data if isinstance(data, list) else [data]:
            if isinstance(r, dict) and r.get("instruction") and r.get("output"):
                prompt = r["instruction"] + ("\n" + r["input"] if r.get("input") else "")
                rows.append({"sample_id": f"cal-{len(rows)}", "prompt": prompt, "response": r["output"]})
            if len(rows) >= n:
                return rows
    return rows


def measure(spec) -> dict:
    """Seconds to load the model, and tokens/s of scoring, LoRA training, greedy generation and
    token counting, on the model `spec` (a training.models.ModelSpec)."""
    import torch

    from evaluation.generation import greedy_generations
    from evaluation.models import EvalModel
    from training.config import TrainConfig
    from training.models import load_model_and_tokenizer
    from training.train import train_lora
    from udfs.lm_scoring.scorer import score_samples

    rows = _bundled_rows(SCORE_SAMPLES)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    model, tokenizer = load_model_and_tokenizer(spec)
    load_s = time.perf_counter() - started
    prompts, responses = [r["prompt"] for r in rows], [r["response"] for r in rows]
    wrapped = EvalModel(model, model, tokenizer, spec.max_length)
    # one small pass of each first: thread pools, allocator and kernels warm, as in a long run
    score_samples(model, tokenizer, prompts[:2], responses[:2], progress=False, max_length=spec.max_length)
    greedy_generations(wrapped, prompts[:2], 2, progress=False)
    started = time.perf_counter()
    scores = score_samples(model, tokenizer, prompts, responses, progress=False, max_length=spec.max_length)
    score_s = time.perf_counter() - started
    # tokens fed through the model: prompt + response of every sample
    fed = sum(len(tokenizer(p + r)["input_ids"]) for p, r in zip(prompts, responses))
    # decoding alone: a batch generating GENERATION_TOKENS less the same batch's prefill and first token
    started = time.perf_counter()
    greedy_generations(wrapped, prompts[:GENERATION_ROWS], 1, progress=False)
    prefill_s = time.perf_counter() - started
    started = time.perf_counter()
    generated = greedy_generations(wrapped, prompts[:GENERATION_ROWS], GENERATION_TOKENS, progress=False)
    gen_s = max(time.perf_counter() - started - prefill_s, 1e-3)
    gen_tokens = GENERATION_ROWS * (GENERATION_TOKENS - 1)
    started = time.perf_counter()
    counted = sum(len(x) for x in tokenizer(prompts * 20)["input_ids"])
    count_s = time.perf_counter() - started
    del model
    config = TrainConfig(max_steps=TRAIN_STEPS, batch_size=4, grad_accumulation=2, max_length=spec.max_length)
    step_ends: list[float] = []
    with tempfile.TemporaryDirectory(prefix="sftmart-calibration-") as out:
        started = time.perf_counter()
        run = train_lora(
            spec, rows[:CALIBRATION_SAMPLES], config, out, progress=False,
            callback=lambda step, loss, model: step_ends.append(time.perf_counter()),
        )  # fmt: skip
        train_total = time.perf_counter() - started
    steady_s = step_ends[-1] - step_ends[0] if len(step_ends) > 1 else run.seconds
    steady_tokens = run.tokens_seen * (len(step_ends) - 1) / len(step_ends) if len(step_ends) > 1 else run.tokens_seen
    return {
        "load_seconds": load_s,
        "score_tokens_per_s": fed / max(score_s, 1e-6),
        "train_tokens_per_s": steady_tokens / max(steady_s, 1e-6),
        "train_setup_seconds": max(train_total - steady_s * run.tokens_seen / max(steady_tokens, 1), 0.0),
        "generate_tokens_per_s": gen_tokens / max(gen_s, 1e-6),
        "count_tokens_per_s": counted / max(count_s, 1e-6),
        "samples_scored": sum(s["n_tokens"] > 0 for s in scores),
        "generated_chars": sum(len(g) for g in generated),
        "threads": torch.get_num_threads(),
        # runnable tasks per core while it ran: the plan turns the figures into quiet ones with it
        "load_per_core": (load_before + os.getloadavg()[0]) / 2 / (os.cpu_count() or 1),
    }


LOADED = 2.0  # runnable tasks per core above which a calibration is re-measured on a quieter machine

# Quiet figures of this project's two cores (bench/RESULTS.md), for a plan that must not spend time
# calibrating (`sftmart build --yes` on a machine not calibrated yet: only its ETA line uses them).
UNCALIBRATED = {
    "load_seconds": 3.0,
    "score_tokens_per_s": 400.0,
    "train_tokens_per_s": 230.0,
    "train_setup_seconds": 5.0,
    "generate_tokens_per_s": 35.0,
    "load_per_core": 1.0,
}


def cached_calibration(spec) -> dict | None:
    """This machine's stored calibration, without measuring; None when there is none."""
    key = fingerprint_key(machine_fingerprint(spec.resolved_device(), spec.path))
    try:
        return json.loads(calibration_path().read_text()).get(key)
    except (OSError, ValueError):
        return None


def measured_under_more_load(stored: dict, load_per_core: float) -> bool:
    """Whether a stored calibration was measured under at least twice the load of now, and a heavy
    one (over LOADED per core): torch slows less than the load says, so such a figure is re-measured
    when the machine is quieter instead of being scaled back (bench/RESULTS.md, plan against build)."""
    then = stored.get("load_per_core", 1.0)
    return then > LOADED and then >= 2 * max(load_per_core, 1.0)


def calibration(
    spec, recalibrate: bool = False, measure_fn=measure, fingerprint: dict | None = None, load_per_core=None
) -> dict:
    """This machine's throughputs: cached by fingerprint, measured when missing (or asked to), and
    again when the stored one was measured under much more load than the machine has now."""
    fingerprint = fingerprint or machine_fingerprint(spec.resolved_device(), spec.path)
    key = fingerprint_key(fingerprint)
    path = calibration_path()
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = {}
    if load_per_core is None:
        from sftmart.plan.costs import contention

        load_per_core = contention()
    if not recalibrate and key in stored and not measured_under_more_load(stored[key], load_per_core):
        return stored[key] | {"cached": True}
    measured = measure_fn(spec) | {"fingerprint": fingerprint, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    try:
        stored = json.loads(path.read_text())  # another process may have added its machine meanwhile
    except (OSError, ValueError):
        stored = {}
    stored[key] = measured
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(f".{os.getpid()}.tmp")
    staging.write_text(json.dumps(stored, indent=1))
    os.replace(staging, path)
    return measured | {"cached": False}
