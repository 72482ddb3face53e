"""Run records: what a finished LoRA run produced (TrainingRun), its identity (the fingerprint of
model + data + config), and out_dir/run.json, written last so that it vouches for the adapter."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timezone
from pathlib import Path

from training.config import ADAPTER_DIR, CHECKPOINT_DIR, RUN_FILE, TrainConfig

RUN_STAGING = f".{RUN_FILE}.tmp"
ADAPTER_STAGING = f".{ADAPTER_DIR}.tmp"


@dataclass
class TrainingRun:
    run_id: str
    fingerprint: str
    base_model: str
    model_spec_json: str
    model_fingerprint: str
    config_json: str
    data_fingerprint: str
    data_source: str
    n_samples: int  # samples trained on (after the length filter)
    n_dropped_over_length: int
    tokens_seen: int  # non-padding tokens through the model, all epochs
    steps: int  # optimizer steps
    first_loss: float | None
    last_loss: float | None
    min_loss: float | None
    tail_loss_mean: float | None  # mean loss of the last 10% of steps
    adapter_path: str
    started_at: str  # ISO 8601, UTC
    seconds: float  # training time, summed over resumed sessions
    reused: bool = False
    # mean response loss on rows the run did not train on (heldout_rows), with the adapter off
    # (= before training: LoRA starts as the identity) and on; null when no held-out rows were given
    n_heldout: int | None = None
    heldout_loss_before: float | None = None
    heldout_loss_after: float | None = None

    @classmethod
    def from_dict(cls, data: dict) -> TrainingRun:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def run_fingerprint(model_fp: str, data_fp: str, config: TrainConfig, heldout_fp: str | None = None) -> str:
    """The run's identity; the held-out rows' fingerprint joins it only when a run measures them."""
    parts = [model_fp, data_fp, config.fingerprint_json()] + ([heldout_fp] if heldout_fp else [])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def run_id_for(started_at: str, fingerprint: str, out_dir) -> str:
    """The run's id: its UTC start (kept across resumed sessions), the fingerprint's prefix and its
    output directory's. The directory tells apart two runs of one fingerprint started in the same
    second: arms whose mixes coincide (a small pool that every arm takes whole) train exactly that."""
    place = hashlib.sha256(str(Path(out_dir).resolve()).encode()).hexdigest()[:6]
    return f"{started_at.replace(':', '').replace('-', '')[:15]}-{fingerprint[:10]}-{place}"


def loss_summary(losses: list[float]) -> dict:
    if not losses:
        return {"first_loss": None, "last_loss": None, "min_loss": None, "tail_loss_mean": None}
    tail = losses[-max(1, math.ceil(len(losses) / 10)) :]
    return {
        "first_loss": losses[0],
        "last_loss": losses[-1],
        "min_loss": min(losses),
        "tail_loss_mean": sum(tail) / len(tail),
    }


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def recorded_run(out_dir: Path, fingerprint: str) -> TrainingRun | None:
    """The run recorded in out_dir/run.json when it has this fingerprint and its adapter is there."""
    run_file = out_dir / RUN_FILE
    if not run_file.exists() or not (out_dir / ADAPTER_DIR / "adapter_config.json").exists():
        return None
    data = json.loads(run_file.read_text())
    if data.get("fingerprint") != fingerprint:
        return None
    return TrainingRun.from_dict(data)


def reuse_recorded(out_dir: Path, fingerprint: str) -> TrainingRun | None:
    """The recorded run of this fingerprint, marked reused, with what a kill after run.json left
    removed; None when out_dir holds no such finished run."""
    previous = recorded_run(out_dir, fingerprint)
    if previous is None:
        return None
    print(f"Reusing the adapter in {out_dir / ADAPTER_DIR} (same model, data and config)", file=sys.stderr)
    remove_leftovers(out_dir)
    return replace(previous, reused=True, adapter_path=str(out_dir / ADAPTER_DIR))


def write_run(out_dir: Path, run: TrainingRun, losses: list[float]) -> None:
    payload = asdict(run) | {"loss_curve": losses}
    staging = out_dir / RUN_STAGING
    staging.write_text(json.dumps(payload, indent=2))
    staging.replace(out_dir / RUN_FILE)


def save_adapter(model, out_dir: Path) -> Path:
    target = out_dir / ADAPTER_DIR
    staging = out_dir / ADAPTER_STAGING
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def remove_leftovers(out_dir: Path) -> None:
    """What a finished run no longer needs: its checkpoints and a half-written adapter or run.json
    (a kill after run.json was written leaves them; the next run that reuses the adapter clears them)."""
    shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
    shutil.rmtree(out_dir / ADAPTER_STAGING, ignore_errors=True)
    (out_dir / RUN_STAGING).unlink(missing_ok=True)


def append_run_history(path: str | Path, run: TrainingRun, extra: dict | None = None) -> None:
    """Appends `run` (plus `extra` fields, e.g. {"node": "cli"}) as one JSON line to the file at
    `path`, the history of the standalone CLI; inside dbt the history is marts.training_runs."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as history:
        history.write(json.dumps((extra or {}) | asdict(run), sort_keys=True) + "\n")


def read_run_history(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
