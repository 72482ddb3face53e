"""LoRA fine-tuning in a plain PyTorch loop (in the style of the peft examples).

train_lora() tokenises the rows (loss on the response only), attaches a peft LoRA adapter to the
attention projections, and runs AdamW with a cosine schedule and linear warmup. It is resumable and
idempotent:

* out_dir/checkpoints/step-N (training.checkpoints) holds everything a resumed run needs; a re-run
  with the same out_dir and the same inputs continues from the latest one. Ctrl-C (or any exception
  between steps) saves a checkpoint before it propagates.
* out_dir/adapter is the finished adapter in standard peft format and out_dir/run.json
  (training.runs) records the run; a re-run whose fingerprint (model + data + config) matches
  run.json returns it untouched.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from training.checkpoints import (
    TrainState,
    latest_checkpoint,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    save_on_interrupt,
)
from training.config import CHECKPOINT_DIR, RUN_FILE, TrainConfig
from training.data import EncodedData, data_fingerprint, encode_rows, length_grouped_batches
from training.loss import accepts_logits_to_keep, autocast_for, heldout_losses, n_label_tokens
from training.models import ModelSpec, load_model_and_tokenizer, model_fingerprint, target_modules_for
from training.packing import choose_packed, micro_batch_loss_sum
from training.pause import pause_at
from training.runs import (
    TrainingRun,
    loss_summary,
    remove_leftovers,
    reuse_recorded,
    run_fingerprint,
    run_id_for,
    save_adapter,
    utc_now,
    write_run,
)


def plan_steps(lengths: list[int], config: TrainConfig) -> list[list[list[int]]]:
    """The whole run's data order: steps -> micro-batches -> sample indices.

    Each epoch gets its own length-grouped shuffle (seed + epoch); an epoch's last step may hold
    fewer micro-batches. With max_steps the epochs repeat until there are enough steps."""
    steps: list[list[list[int]]] = []
    epoch = 0
    while True:
        batches = length_grouped_batches(lengths, config.batch_size, seed=config.seed + epoch)
        steps += [batches[i : i + config.grad_accumulation] for i in range(0, len(batches), config.grad_accumulation)]
        epoch += 1
        if config.max_steps is None and epoch >= config.epochs:
            return steps
        if config.max_steps is not None and len(steps) >= config.max_steps:
            return steps[: config.max_steps]


def attach_lora(model, config: TrainConfig):
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=target_modules_for(model, config.target_modules),
    )
    with warnings.catch_warnings():  # peft 0.21 reads an attribute transformers 5 deprecates
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, lora)


def prepare_data(tokenizer, rows: list[dict], config: TrainConfig) -> EncodedData:
    data = encode_rows(tokenizer, rows, config.max_length)
    if data.n_dropped_over_length:
        print(
            f"Dropped {data.n_dropped_over_length:,} of {len(rows):,} samples longer than {config.max_length} tokens",
            file=sys.stderr,
        )
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


def accumulate_step(
    model,
    data: EncodedData,
    step_batches: list[list[int]],
    pad_token_id: int,
    device: str,
    compute_dtype,
    trim_logits: bool,
    scaler,
    packed: bool = False,
) -> tuple[float, int]:
    """Forward/backward over one optimizer step's micro-batches, the loss normalised by the step's
    response tokens (so every token weighs the same whatever the batch split), each micro-batch
    packed into one row (training.packing) or right-padded. Returns (mean loss, non-padding tokens)."""
    n_labels = max(1, sum(n_label_tokens(data.examples[i]) for batch in step_batches for i in batch))
    loss_total, tokens = 0.0, 0
    for indices in step_batches:
        examples = [data.examples[i] for i in indices]
        with autocast_for(device, compute_dtype):
            loss_sum = micro_batch_loss_sum(
                model, examples, packed=packed, pad_token_id=pad_token_id, trim_logits=trim_logits
            )
        scaler.scale(loss_sum / n_labels).backward()
        loss_total += loss_sum.item()
        tokens += sum(len(e) for e in examples)
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


def train_lora(
    spec: ModelSpec,
    rows: list[dict],
    config: TrainConfig,
    out_dir: str | Path,
    *,
    data_source: str = "",
    progress: bool = True,
    callback: Callable[[int, float, object], None] | None = None,
    heldout_rows: list[dict] | None = None,
) -> TrainingRun:
    """Fine-tunes a LoRA adapter on rows ({sample_id, prompt, response}) into out_dir/adapter.

    `callback(step, loss, model)` runs after every optimizer step (and after any checkpoint of that
    step), with the peft model in train mode; an exception it raises stops training, with a
    checkpoint saved first. `heldout_rows` (never trained on): the run records their loss before and
    after training (TrainingRun.heldout_loss_*)."""
    import torch
    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_fp, data_fp = model_fingerprint(spec), data_fingerprint(rows)
    fingerprint = run_fingerprint(model_fp, data_fp, config, data_fingerprint(heldout_rows) if heldout_rows else None)
    previous = reuse_recorded(out_dir, fingerprint)
    if previous is not None:
        return previous

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
    packed = config.packed and choose_packed(model, data.examples, tokenizer.pad_token_id)
    model.train()
    session_start, session_tokens, saved_step = time.time(), 0, state.step
    saved_at = session_start
    seconds_before = state.seconds
    bar = tqdm(
        total=total_steps, initial=state.step, desc="LoRA", unit="step", disable=not progress, dynamic_ncols=True
    )
    consistent = True  # False while an optimizer update is half applied
    try:
        for step_batches in plan[state.step :]:
            loss, tokens = accumulate_step(
                model, data, step_batches, tokenizer.pad_token_id, device, compute_dtype, trim_logits, scaler, packed
            )
            consistent = False
            apply_update(params, optimizer, scheduler, scaler, config.max_grad_norm)
            state.step, state.tokens_seen = state.step + 1, state.tokens_seen + tokens
            state.losses.append(loss)
            state.rng = rng_state()
            consistent = True
            session_tokens += tokens
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{session_tokens / max(time.time() - session_start, 1e-9):,.0f}")
            if checkpoint_due(config, state.step, time.time() - saved_at) and state.step < total_steps:
                state.seconds = seconds_before + time.time() - session_start
                save_checkpoint(checkpoints, fingerprint, state, plan, *parts)
                saved_step, saved_at = state.step, time.time()
                pause_at("training")
            if callback is not None:
                callback(state.step, loss, model)
    except BaseException:
        if consistent and state.step > saved_step:
            save_on_interrupt(
                checkpoints, fingerprint, state, plan, parts, seconds_before + time.time() - session_start
            )
        raise
    finally:
        bar.close()
    state.seconds = seconds_before + time.time() - session_start
    heldout = encode_rows(tokenizer, heldout_rows or [], config.max_length).examples
    measured = heldout_losses(model, heldout, tokenizer.pad_token_id)
    return finish_run(out_dir, model, state, spec, config, data, fingerprint, model_fp, data_fp, data_source, measured)


def checkpoint_due(config: TrainConfig, step: int, seconds_since_save: float) -> bool:
    """Every checkpoint_every steps, and whenever checkpoint_seconds of training passed since the
    last save (so a kill loses at most that much work, however slow the steps are)."""
    by_steps = bool(config.checkpoint_every) and step % config.checkpoint_every == 0
    by_time = bool(config.checkpoint_seconds) and seconds_since_save >= config.checkpoint_seconds
    return by_steps or by_time


def finish_run(
    out_dir: Path,
    model,
    state: TrainState,
    spec: ModelSpec,
    config: TrainConfig,
    data: EncodedData,
    fingerprint: str,
    model_fp: str,
    data_fp: str,
    data_source: str,
    measured: dict,
) -> TrainingRun:
    """Saves the adapter and run.json (run.json last: it vouches for the adapter), drops checkpoints."""
    (out_dir / RUN_FILE).unlink(missing_ok=True)
    adapter = save_adapter(model, out_dir)
    run = TrainingRun(
        run_id=run_id_for(state.started_at, fingerprint, out_dir),
        fingerprint=fingerprint,
        base_model=spec.path,
        model_spec_json=spec.to_json(),
        model_fingerprint=model_fp,
        config_json=config.to_json(),
        data_fingerprint=data_fp,
        data_source=data_source,
        n_samples=len(data.examples),
        n_dropped_over_length=data.n_dropped_over_length,
        tokens_seen=state.tokens_seen,
        steps=state.step,
        **loss_summary(state.losses),
        adapter_path=str(adapter),
        started_at=state.started_at,
        seconds=round(state.seconds, 3),
        **measured,
    )
    write_run(out_dir, run, state.losses)
    remove_leftovers(out_dir)
    return run
