"""The response loss: summed next-token cross-entropy over labelled positions, with the LM head run
only where a labelled token is predicted, under mixed precision where the model computes in it."""

from __future__ import annotations

from contextlib import nullcontext

from training.data import IGNORE_INDEX, Example, collate


def token_loss_sum(logits, labels):
    """Summed next-token cross-entropy over the labelled positions. `labels` are unshifted and
    cover the whole sequence; `logits` may cover only its last positions (see batch_loss_sum)."""
    import torch
    import torch.nn.functional as F

    shifted = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], IGNORE_INDEX)], dim=1)
    shifted = shifted[:, shifted.shape[1] - logits.shape[1] :]
    return F.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]), shifted.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum"
    )


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
            part = examples[start : start + batch_size]
            batch = {k: v.to(device) for k, v in collate(part, pad_token_id).items()}
            with autocast_for(str(device), dtype):
                total += batch_loss_sum(model, batch, trim).item()
            n_tokens += sum(n_label_tokens(e) for e in part)
    model.train(was_training)
    return total / max(n_tokens, 1)


def heldout_losses(model, examples: list[Example], pad_token_id: int) -> dict:
    """A peft model's mean response loss on held-out examples with its adapter off (the base, i.e.
    the loss before training) and on: TrainingRun's n_heldout / heldout_loss_before / _after."""
    if not examples:
        return {}
    with model.disable_adapter():
        before = evaluate_loss(model, examples, pad_token_id)
    after = evaluate_loss(model, examples, pad_token_id)
    return {"n_heldout": len(examples), "heldout_loss_before": before, "heldout_loss_after": after}
