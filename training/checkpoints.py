"""Checkpoints of an unfinished LoRA run: out_dir/checkpoints/step-N holds the adapter, optimizer,
scheduler, loss scaler, RNG states, counters and the data order, written atomically (staging dir +
rename); only the newest is kept."""

from __future__ import annotations

import json
import re
import shutil
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from training.config import ADAPTER_DIR


@dataclass
class TrainState:
    step: int = 0
    tokens_seen: int = 0
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    started_at: str = ""
    rng: dict | None = None  # RNG states right after the last completed step


def rng_state() -> dict:
    import random

    import torch

    state = {"torch": torch.random.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    import random

    import torch

    torch.random.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    checkpoints: Path, fingerprint: str, state: TrainState, plan, model, optimizer, scheduler, scaler
) -> Path:
    """Writes checkpoints/step-N atomically (tmp dir + rename) and removes older checkpoints."""
    import torch

    target = checkpoints / f"step-{state.step:07d}"
    staging = checkpoints / f".tmp-step-{state.step:07d}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    model.save_pretrained(str(staging / ADAPTER_DIR))
    torch.save(optimizer.state_dict(), staging / "optimizer.pt")
    torch.save(scheduler.state_dict(), staging / "scheduler.pt")
    torch.save(scaler.state_dict(), staging / "scaler.pt")
    torch.save(state.rng or rng_state(), staging / "rng.pt")
    (staging / "data_order.json").write_text(json.dumps(plan))
    meta = {
        "fingerprint": fingerprint,
        "step": state.step,
        "tokens_seen": state.tokens_seen,
        "losses": state.losses,
        "seconds": state.seconds,
        "started_at": state.started_at,
    }
    (staging / "state.json").write_text(json.dumps(meta))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    for old in checkpoints.iterdir():
        if old != target and (old.name.startswith("step-") or old.name.startswith(".tmp-step-")):
            shutil.rmtree(old, ignore_errors=True)
    return target


def latest_checkpoint(checkpoints: Path, fingerprint: str) -> Path | None:
    """The newest complete checkpoint of this fingerprint; others are reported and ignored."""
    if not checkpoints.is_dir():
        return None
    for path in sorted((p for p in checkpoints.iterdir() if re.fullmatch(r"step-\d+", p.name)), reverse=True):
        try:
            meta = json.loads((path / "state.json").read_text())
        except (OSError, ValueError):
            continue
        if meta.get("fingerprint") == fingerprint:
            return path
        print(
            f"Ignoring checkpoint {path}: it belongs to a different run (model, data or config changed)",
            file=sys.stderr,
        )
    return None


def load_checkpoint(path: Path, model, optimizer, scheduler, scaler, state: TrainState) -> list:
    """Restores adapter, optimizer, scheduler, RNG and counters in place; returns the data order."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    adapter_weights = load_file(str(path / ADAPTER_DIR / "adapter_model.safetensors"))
    result = set_peft_model_state_dict(model, adapter_weights)
    if getattr(result, "unexpected_keys", None):
        raise RuntimeError(f"checkpoint {path} does not fit the model: {result.unexpected_keys[:3]}")
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=False))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=False))
    scaler_state = torch.load(path / "scaler.pt", weights_only=False)
    if scaler_state:
        scaler.load_state_dict(scaler_state)
    meta = json.loads((path / "state.json").read_text())
    state.step, state.tokens_seen, state.losses = meta["step"], meta["tokens_seen"], meta["losses"]
    state.seconds, state.started_at = meta["seconds"], meta["started_at"]
    state.rng = torch.load(path / "rng.pt", weights_only=False)
    set_rng_state(state.rng)
    return json.loads((path / "data_order.json").read_text())


def save_on_interrupt(checkpoints: Path, fingerprint: str, state: TrainState, plan, parts, seconds: float) -> None:
    try:
        state.seconds = seconds
        path = save_checkpoint(checkpoints, fingerprint, state, plan, *parts)
        print(f"\nInterrupted: checkpoint saved in {path}; run again with the same out_dir to resume", file=sys.stderr)
    except Exception as error:  # the original exception matters more
        print(f"\nInterrupted, and the checkpoint could not be saved: {error}", file=sys.stderr)
