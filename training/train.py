"""LoRA fine-tuning in a plain PyTorch loop (in the style of the peft examples).

train_lora() tokenises the rows (loss on the response only), attaches a peft LoRA adapter to the
attention projections, and runs AdamW with a cosine schedule and linear warmup. It is resumable and
idempotent:

* out_dir/checkpoints/step-N holds the adapter, optimizer, scheduler, RNG state, step counter and the
  data order; a re-run with the same out_dir and the same inputs continues from the latest one.
  Ctrl-C (or any exception between steps) saves a checkpoint before it propagates.
* out_dir/adapter is the finished adapter in standard peft format and out_dir/run.json records the
  run; a re-run whose fingerprint (model + data + config) matches run.json returns it untouched.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import sys
import time
import uuid
import warnings
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from training.data import IGNORE_INDEX, EncodedData, Example, collate, data_fingerprint, encode_rows, length_grouped_batches
from training.models import (JsonDataclass, ModelSpec, load_model_and_tokenizer, model_fingerprint,
                             target_modules_for)

RUN_FILE = "run.json"
ADAPTER_DIR = "adapter"
CHECKPOINT_DIR = "checkpoints"


@dataclass
class TrainConfig(JsonDataclass):
    """Defaults follow the FT-Data-Ranker competition's LoRA recipe (r=8, alpha=32, dropout 0.1,
    lr 2.5e-5, 3 epochs, cosine, 3% warmup, 1024 tokens)."""
    lora_r: int = 8
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    learning_rate: float = 2.5e-5
    epochs: int = 3
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.03
    max_length: int = 1024
    batch_size: int = 4
    grad_accumulation: int = 4
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    target_modules: list[str] | None = None   # None: the model's attention projections
    max_steps: int | None = None              # overrides epochs (the data cycles as needed)
    checkpoint_every: int = 50                # optimizer steps; 0 saves only on interruption
    gradient_checkpointing: bool = False

    # Fields that change how a run goes, not what it produces: left out of the fingerprint.
    NOT_FINGERPRINTED = ("checkpoint_every", "gradient_checkpointing")

    def __post_init__(self) -> None:
        if self.lr_scheduler != "cosine":
            raise ValueError("only the cosine schedule (with linear warmup) is implemented")
        if self.batch_size < 1 or self.grad_accumulation < 1:
            raise ValueError("batch_size and grad_accumulation must be >= 1")

    def fingerprint_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k not in self.NOT_FINGERPRINTED}
        return json.dumps(data, sort_keys=True)


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
    n_samples: int                 # samples trained on (after the length filter)
    n_dropped_over_length: int
    tokens_seen: int               # non-padding tokens through the model, all epochs
    steps: int                     # optimizer steps
    first_loss: float | None
    last_loss: float | None
    min_loss: float | None
    tail_loss_mean: float | None   # mean loss of the last 10% of steps
    adapter_path: str
    started_at: str                # ISO 8601, UTC
    seconds: float                 # training time, summed over resumed sessions
    reused: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> TrainingRun:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def run_fingerprint(model_fp: str, data_fp: str, config: TrainConfig) -> str:
    return hashlib.sha256("\n".join([model_fp, data_fp, config.fingerprint_json()]).encode()).hexdigest()


def loss_summary(losses: list[float]) -> dict:
    if not losses:
        return {"first_loss": None, "last_loss": None, "min_loss": None, "tail_loss_mean": None}
    tail = losses[-max(1, math.ceil(len(losses) / 10)):]
    return {"first_loss": losses[0], "last_loss": losses[-1], "min_loss": min(losses),
            "tail_loss_mean": sum(tail) / len(tail)}


# -- data plan ----------------------------------------------------------------------------------

def plan_steps(lengths: list[int], config: TrainConfig) -> list[list[list[int]]]:
    """The whole run's data order: steps -> micro-batches -> sample indices.

    Each epoch gets its own length-grouped shuffle (seed + epoch); an epoch's last step may hold
    fewer micro-batches. With max_steps the epochs repeat until there are enough steps."""
    steps: list[list[list[int]]] = []
    epoch = 0
    while True:
        batches = length_grouped_batches(lengths, config.batch_size, seed=config.seed + epoch)
        steps += [batches[i:i + config.grad_accumulation] for i in range(0, len(batches), config.grad_accumulation)]
        epoch += 1
        if config.max_steps is None and epoch >= config.epochs:
            return steps
        if config.max_steps is not None and len(steps) >= config.max_steps:
            return steps[:config.max_steps]


# -- model pieces -------------------------------------------------------------------------------

def attach_lora(model, config: TrainConfig):
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(task_type=TaskType.CAUSAL_LM, r=config.lora_r, lora_alpha=config.lora_alpha,
                      lora_dropout=config.lora_dropout,
                      target_modules=target_modules_for(model, config.target_modules))
    with warnings.catch_warnings():  # peft 0.21 reads an attribute transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, lora)


def token_loss_sum(logits, labels):
    """Summed next-token cross-entropy over the labelled positions. `labels` are unshifted and
    cover the whole sequence; `logits` may cover only its last positions (see batch_loss_sum)."""
    import torch
    import torch.nn.functional as F

    shifted = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], IGNORE_INDEX)], dim=1)
    shifted = shifted[:, shifted.shape[1] - logits.shape[1]:]
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), shifted.reshape(-1),
                           ignore_index=IGNORE_INDEX, reduction="sum")


def n_label_tokens(example: Example) -> int:
    return sum(1 for label in example.labels[1:] if label != IGNORE_INDEX)


def accepts_logits_to_keep(model) -> bool:
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def batch_loss_sum(model, batch: dict, trim_logits: bool):
    """Summed response loss of a collated batch. With trim_logits, the LM head runs only from the
    first position that predicts a labelled token (in any row) to the end: the prompt part every
    row shares costs no vocabulary-sized logits."""
    kwargs = {}
    if trim_logits:
        needed = (batch["labels"][:, 1:] != IGNORE_INDEX).any(dim=0).nonzero()
        first = int(needed[0]) if len(needed) else batch["labels"].shape[1] - 1
        kwargs["logits_to_keep"] = batch["labels"].shape[1] - first
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], **kwargs).logits
    return token_loss_sum(logits, batch["labels"])


def autocast_for(device: str, dtype):
    """Mixed precision when the model computes in bf16/fp16 (CUDA by default; CPU when asked)."""
    import torch

    if dtype == torch.float32:
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)


def evaluate_loss(model, examples: list[Example], pad_token_id: int, batch_size: int = 8) -> float:
    """Token-weighted mean response loss of `model` on `examples` (eval mode, no grad)."""
    import torch

    device = next(model.parameters()).device
    dtype = getattr(model, "dtype", torch.float32)
    trim = accepts_logits_to_keep(model)
    was_training = model.training
    model.eval()
    total, n_tokens = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            part = examples[start:start + batch_size]
            batch = {k: v.to(device) for k, v in collate(part, pad_token_id).items()}
            with autocast_for(str(device), dtype):
                total += batch_loss_sum(model, batch, trim).item()
            n_tokens += sum(n_label_tokens(e) for e in part)
    model.train(was_training)
    return total / max(n_tokens, 1)


# -- checkpoints --------------------------------------------------------------------------------

@dataclass
class TrainState:
    step: int = 0
    tokens_seen: int = 0
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    started_at: str = ""
    rng: dict | None = None   # RNG states right after the last completed step


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


def save_checkpoint(checkpoints: Path, fingerprint: str, state: TrainState, plan, model, optimizer, scheduler,
                    scaler) -> Path:
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
    meta = {"fingerprint": fingerprint, "step": state.step, "tokens_seen": state.tokens_seen,
            "losses": state.losses, "seconds": state.seconds, "started_at": state.started_at}
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
        print(f"Ignoring checkpoint {path}: it belongs to a different run (model, data or config changed)",
              file=sys.stderr)
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


# -- the run ------------------------------------------------------------------------------------

def recorded_run(out_dir: Path, fingerprint: str) -> TrainingRun | None:
    """The run recorded in out_dir/run.json when it has this fingerprint and its adapter is there."""
    run_file = out_dir / RUN_FILE
    if not run_file.exists() or not (out_dir / ADAPTER_DIR / "adapter_config.json").exists():
        return None
    data = json.loads(run_file.read_text())
    if data.get("fingerprint") != fingerprint:
        return None
    return TrainingRun.from_dict(data)


def write_run(out_dir: Path, run: TrainingRun, losses: list[float]) -> None:
    payload = asdict(run) | {"loss_curve": losses}
    staging = out_dir / f".{RUN_FILE}.tmp"
    staging.write_text(json.dumps(payload, indent=2))
    staging.replace(out_dir / RUN_FILE)


def save_adapter(model, out_dir: Path) -> Path:
    target = out_dir / ADAPTER_DIR
    staging = out_dir / f".{ADAPTER_DIR}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(str(staging))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def prepare_data(tokenizer, rows: list[dict], config: TrainConfig) -> EncodedData:
    data = encode_rows(tokenizer, rows, config.max_length)
    if data.n_dropped_over_length:
        print(f"Dropped {data.n_dropped_over_length:,} of {len(rows):,} samples longer than "
              f"{config.max_length} tokens", file=sys.stderr)
    if not data.examples:
        raise ValueError(f"No sample fits in max_length={config.max_length} tokens ({len(rows)} rows given)")
    return data


def prepare_model(model, config: TrainConfig):
    """The peft model (LoRA on the target modules, everything else frozen) and its trainable params."""
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.config.use_cache = False
    model = attach_lora(model, config)
    return model, [p for p in model.parameters() if p.requires_grad]


def make_optimization(params, config: TrainConfig, total_steps: int, device: str, compute_dtype):
    """AdamW, cosine schedule with linear warmup, and a loss scaler (active for float16 only)."""
    import torch
    from transformers import get_cosine_schedule_with_warmup

    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_cosine_schedule_with_warmup(optimizer, math.ceil(config.warmup_ratio * total_steps), total_steps)
    scaler = torch.amp.GradScaler(torch.device(device).type, enabled=compute_dtype == torch.float16)
    return optimizer, scheduler, scaler


def accumulate_step(model, data: EncodedData, step_batches: list[list[int]], pad_token_id: int, device: str,
                    compute_dtype, trim_logits: bool, scaler) -> tuple[float, int]:
    """Forward/backward over one optimizer step's micro-batches, the loss normalised by the step's
    response tokens (so every token weighs the same whatever the batch split). Returns (mean loss,
    non-padding tokens)."""
    n_labels = max(1, sum(n_label_tokens(data.examples[i]) for batch in step_batches for i in batch))
    loss_total, tokens = 0.0, 0
    for indices in step_batches:
        batch = {k: v.to(device) for k, v in collate([data.examples[i] for i in indices], pad_token_id).items()}
        with autocast_for(device, compute_dtype):
            loss_sum = batch_loss_sum(model, batch, trim_logits)
        scaler.scale(loss_sum / n_labels).backward()
        loss_total += loss_sum.item()
        tokens += int(batch["attention_mask"].sum())
    return loss_total / n_labels, tokens


def apply_update(params, optimizer, scheduler, scaler, max_grad_norm: float) -> None:
    import torch

    if max_grad_norm:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


def train_lora(spec: ModelSpec, rows: list[dict], config: TrainConfig, out_dir: str | Path, *,
               data_source: str = "", progress: bool = True,
               callback: Callable[[int, float, object], None] | None = None) -> TrainingRun:
    """Fine-tunes a LoRA adapter on rows ({sample_id, prompt, response}) into out_dir/adapter.

    `callback(step, loss, model)` runs after every optimizer step (and after any checkpoint of that
    step), with the peft model in train mode; an exception it raises stops training, with a
    checkpoint saved first."""
    import torch
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_fp, data_fp = model_fingerprint(spec), data_fingerprint(rows)
    fingerprint = run_fingerprint(model_fp, data_fp, config)
    previous = recorded_run(out_dir, fingerprint)
    if previous is not None:
        print(f"Reusing the adapter in {out_dir / ADAPTER_DIR} (same model, data and config)", file=sys.stderr)
        return replace(previous, reused=True, adapter_path=str(out_dir / ADAPTER_DIR))

    torch.manual_seed(config.seed)
    model, tokenizer = load_model_and_tokenizer(spec)
    data = prepare_data(tokenizer, rows, config)
    model, params = prepare_model(model, config)
    plan = plan_steps(data.lengths, config)
    total_steps = len(plan)
    device, compute_dtype = spec.resolved_device(), spec.resolved_dtype()
    optimizer, scheduler, scaler = make_optimization(params, config, total_steps, device, compute_dtype)
    parts = (model, optimizer, scheduler, scaler)

    state = TrainState(started_at=utc_now())
    checkpoints = out_dir / CHECKPOINT_DIR
    resume_from = latest_checkpoint(checkpoints, fingerprint)
    if resume_from is not None:
        plan = load_checkpoint(resume_from, *parts, state)
        print(f"Resuming from {resume_from} (step {state.step} of {total_steps})", file=sys.stderr)
    state.rng = state.rng or rng_state()

    trim_logits = accepts_logits_to_keep(model)
    model.train()
    session_start, session_tokens, saved_step = time.time(), 0, state.step
    seconds_before = state.seconds
    bar = tqdm(total=total_steps, initial=state.step, desc="LoRA", unit="step", disable=not progress,
               dynamic_ncols=True)
    consistent = True  # False while an optimizer update is half applied
    try:
        for step_batches in plan[state.step:]:
            loss, tokens = accumulate_step(model, data, step_batches, tokenizer.pad_token_id, device,
                                           compute_dtype, trim_logits, scaler)
            consistent = False
            apply_update(params, optimizer, scheduler, scaler, config.max_grad_norm)
            state.step, state.tokens_seen = state.step + 1, state.tokens_seen + tokens
            state.losses.append(loss)
            state.rng = rng_state()
            consistent = True
            session_tokens += tokens
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}",
                            tok_s=f"{session_tokens / max(time.time() - session_start, 1e-9):,.0f}")
            if config.checkpoint_every and state.step % config.checkpoint_every == 0 and state.step < total_steps:
                state.seconds = seconds_before + time.time() - session_start
                save_checkpoint(checkpoints, fingerprint, state, plan, *parts)
                saved_step = state.step
            if callback is not None:
                callback(state.step, loss, model)
    except BaseException:
        if consistent and state.step > saved_step:
            save_on_interrupt(checkpoints, fingerprint, state, plan, parts,
                              seconds_before + time.time() - session_start)
        raise
    finally:
        bar.close()
    state.seconds = seconds_before + time.time() - session_start
    return finish_run(out_dir, model, state, spec, config, data, fingerprint, model_fp, data_fp, data_source)


def save_on_interrupt(checkpoints: Path, fingerprint: str, state: TrainState, plan, parts, seconds: float) -> None:
    try:
        state.seconds = seconds
        path = save_checkpoint(checkpoints, fingerprint, state, plan, *parts)
        print(f"\nInterrupted: checkpoint saved in {path}; run again with the same out_dir to resume",
              file=sys.stderr)
    except Exception as error:  # the original exception matters more
        print(f"\nInterrupted, and the checkpoint could not be saved: {error}", file=sys.stderr)


def finish_run(out_dir: Path, model, state: TrainState, spec: ModelSpec, config: TrainConfig, data: EncodedData,
               fingerprint: str, model_fp: str, data_fp: str, data_source: str) -> TrainingRun:
    """Saves the adapter and run.json (run.json last: it vouches for the adapter), drops checkpoints."""
    (out_dir / RUN_FILE).unlink(missing_ok=True)
    adapter = save_adapter(model, out_dir)
    run = TrainingRun(
        run_id=f"{state.started_at.replace(':', '').replace('-', '')[:15]}-{fingerprint[:10]}",
        fingerprint=fingerprint, base_model=spec.path, model_spec_json=spec.to_json(),
        model_fingerprint=model_fp, config_json=config.to_json(), data_fingerprint=data_fp,
        data_source=data_source, n_samples=len(data.examples),
        n_dropped_over_length=data.n_dropped_over_length, tokens_seen=state.tokens_seen, steps=state.step,
        **loss_summary(state.losses), adapter_path=str(adapter), started_at=state.started_at,
        seconds=round(state.seconds, 3))
    write_run(out_dir, run, state.losses)
    shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
    return run


# -- recording in the warehouse -----------------------------------------------------------------

_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_SQL_TYPES = {"str": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN",
              "float | None": "DOUBLE"}


def training_run_columns() -> dict[str, str]:
    columns = {f.name: _SQL_TYPES[str(f.type)] for f in fields(TrainingRun)}
    columns["started_at"] = "TIMESTAMP"
    return columns


def record_run_on(con, run: TrainingRun, table: str = "marts.training_runs", extra: dict | None = None) -> None:
    """Appends one row for `run` (plus `extra` string columns, e.g. {"node": "guide"}) on an open
    DuckDB connection, creating the table (and schema) if missing and adding missing columns."""
    if not _TABLE.match(table):
        raise ValueError(f"{table!r} is not a [schema.]table name")
    extra = extra or {}
    columns = training_run_columns() | {name: "VARCHAR" for name in extra}
    row = asdict(run) | {name: None if value is None else str(value) for name, value in extra.items()}
    row["started_at"] = datetime.fromisoformat(run.started_at).astimezone(timezone.utc).replace(tzinfo=None)
    if "." in table:
        con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create table if not exists {table} ("
                + ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items()) + ")")
    existing = {r[0] for r in con.sql(f"describe {table}").fetchall()}
    for name, sql_type in columns.items():
        if name not in existing:
            con.execute(f"alter table {table} add column {name} {sql_type}")
    names = list(columns)
    con.execute(f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
                [row[name] for name in names])


def record_run(db_path: str | Path, run: TrainingRun, table: str = "marts.training_runs",
               extra: dict | None = None) -> None:
    """Appends one row for `run` to `table` in the DuckDB file (see record_run_on)."""
    import duckdb

    with duckdb.connect(str(db_path)) as con:
        record_run_on(con, run, table, extra)
