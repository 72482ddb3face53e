"""What to change so a build fits a time (`sftmart plan --within 1h`): var changes tried in order,
from the least to the most that they take away, each kept only when it shortens the plan, until
the plan fits. Every suggestion is checked by pricing the vars it leaves (Planner.plan), so the
changes applied together do bring the plan under the bound."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sftmart.plan.volumes import POOL

STEP_CHOICES = (2000, 1000, 500, 200, 100, 50, 20, 8)
SAMPLE_CHOICES = (50000, 20000, 10000, 5000, 2000, 1000, 500, 200)
# The share of the bound a suggestion aims at: LoRA on real Alpaca-CoT rows ran at 110-118 tokens/s
# against the 176 its calibration on bundled rows measured (bench/RESULTS.md, the real-data path).
IN_HAND = 0.85
SAMPLE_OVER_TRAINED = 2  # a scored sample holds at least twice the rows the LoRA runs train on
GENERATION_CHOICES = (8, 4, 0)
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'90s', '20m', '1h', '1.5h', '2d' or plain seconds -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ValueError(f"{text!r} is not a duration: write e.g. 90s, 20m, 1h or 1.5h")
    return float(match.group(1)) * UNITS[match.group(2) or "s"]


@dataclass
class Suggestion:
    vars: dict  # the var changes, all together
    steps: list[str]  # one line per change
    seconds: float  # the plan's total with them
    fits: bool
    alternatives: list[str]  # what else would fit without cutting the work (Ray, a GPU)


def _try(planner, base: dict, patch: dict):
    return planner.plan(base | patch).total_seconds


def _steps_and_sample(planner, base: dict, applied: dict, bound_s: float, choices) -> tuple[int | None, int | None]:
    """The most optimiser steps (of `choices`, largest first) whose LoRA runs fit beside scoring a seeded sample of the pool that
    holds at least SAMPLE_OVER_TRAINED times the rows they train on, with the largest such sample."""
    pool_rows = planner.volumes[POOL].rows if POOL in planner.volumes else 0.0
    per_step = base["train_batch_size"] * base["grad_accumulation"]
    for steps in choices:
        for rows in SAMPLE_CHOICES:
            if SAMPLE_OVER_TRAINED * steps * per_step <= rows < pool_rows:
                if _try(planner, base, applied | {"max_steps": steps, "score_sample_rows": rows}) <= bound_s:
                    return steps, rows
    return None, None


def suggest(planner, bound_s: float) -> Suggestion:
    """The changes that bring the plan within IN_HAND of `bound_s` (the plan is an estimate)."""
    bound_s *= IN_HAND
    base = dict(planner.vars)
    applied: dict = {}
    steps: list[str] = []
    total = _try(planner, base, applied)
    if total <= bound_s:
        return Suggestion({}, [], total, True, [])

    def keep(patch: dict, why: str) -> None:
        nonlocal total
        seconds = _try(planner, base, applied | patch)
        if seconds < total - 1:
            applied.update(patch)
            steps.append(f"{why}: {', '.join(f'{k}: {v}' for k, v in patch.items())} -> {seconds / 60:,.1f} min")
            total = seconds

    if base.get("model_layer"):
        if base.get("eval_generation_samples", 0):
            for n in GENERATION_CHOICES:
                if (
                    n < base["eval_generation_samples"]
                    and _try(planner, base, applied | {"eval_generation_samples": n}) <= bound_s
                ):
                    keep({"eval_generation_samples": n}, "fewer greedy generations in the evaluation")
                    break
        if total > bound_s:
            current = base.get("max_steps") or float("inf")
            choices = [s for s in STEP_CHOICES if s < current]
            fitting = [s for s in choices if _try(planner, base, applied | {"max_steps": s}) <= bound_s]
            steps_to, sample = (
                (fitting[0], None) if fitting else _steps_and_sample(planner, base, applied, bound_s, choices)
            )
            steps_to = steps_to or (choices[-1] if choices else None)
            if steps_to is not None:
                keep({"max_steps": steps_to}, "cap the LoRA runs' optimiser steps")
            if sample is not None:
                keep({"score_sample_rows": sample}, "score a seeded sample of the candidates, not all of them")
        if total > bound_s and base.get("eval_generation_samples", 0) and "eval_generation_samples" not in applied:
            keep({"eval_generation_samples": 0}, "no greedy generations in the evaluation")
        if total > bound_s:
            applied.clear()  # without the model layer, the cuts to it change nothing
            steps.clear()
            total = _try(planner, base, {})
            keep({"model_layer": False}, "turn the model layer off (no scoring, training or evaluation)")
    plan = planner.plan(base | applied)
    alternatives = []
    if base.get("model_layer") and plan.vars.get("model_layer") is False:
        with_model = planner.plan(base)
        alt = sum(n.alt_seconds or n.seconds for n in with_model.nodes) + with_model.start_seconds
        if alt <= bound_s:
            alternatives.append(
                f"or keep the model layer and run it elsewhere: {with_model.alt_label}, about {alt / 60:,.0f} min "
                '(--vars \'{"compute": {"backend": "ray", "address": "HOST:PORT", "workers": N, "gpus_per_worker": 1}}\')'
            )
    return Suggestion(applied, steps, total, total <= bound_s, alternatives)
