"""Padding-free micro-batches: the samples of a micro-batch concatenated into one row.

The padded loop (training.data.collate) pads every sample to the longest of its micro-batch and
runs the LM head from the first response position of any row to the end. The packed loop runs the
same samples as one row with no padding at all:

* position_ids restart at 0 for every sample, so rotary positions are those of the padded loop;
* attention stays inside each sample: the attention function registered here (PACKED_ATTENTION)
  runs causal SDPA on each sample's slice of the row, given the samples' boundaries as
  `cu_seq_lens_q`/`cu_seq_lens_k` (the keyword names FlashAttention-2's varlen path reads, so a
  model on flash_attention_2 packs the same way; on plain sdpa or eager, transformers itself turns
  the restarting position_ids into a block-diagonal mask);
* each target is the sample's own next token, -100 where a sample ends, and the LM head runs only
  at the positions that predict a response token (`logits_to_keep` as an index tensor).

The loss is the padded loop's, summed over the same response tokens (tests/test_packing.py).
"""

from __future__ import annotations

from training.data import IGNORE_INDEX, Example, collate
from training.loss import batch_loss_sum

PACKED_ATTENTION = "sftmart_packed_sdpa"
PACKABLE_ATTENTION = ("sdpa", PACKED_ATTENTION)  # what use_packed_attention may replace


def pack(examples: list[Example]) -> dict:
    """One row: input_ids, position_ids and next-token targets [1, T] (T = the samples' total length),
    with the boundary keywords of the attention function."""
    import torch

    input_ids, positions, targets, bounds = [], [], [], [0]
    for example in examples:
        input_ids += example.input_ids
        positions += range(len(example))
        targets += example.labels[1:] + [IGNORE_INDEX]  # a sample's last token predicts nothing
        bounds.append(bounds[-1] + len(example))
    cu_seq_lens = torch.tensor(bounds, dtype=torch.int32)
    longest = max(len(e) for e in examples)
    return {
        "input_ids": torch.tensor([input_ids], dtype=torch.long),
        "position_ids": torch.tensor([positions], dtype=torch.long),
        "targets": torch.tensor([targets], dtype=torch.long),
        "cu_seq_lens_q": cu_seq_lens,
        "cu_seq_lens_k": cu_seq_lens,
        "max_length_q": longest,
        "max_length_k": longest,
    }


def packed_loss_sum(model, batch: dict):
    """Summed next-token cross-entropy over the response tokens of a packed batch; the LM head runs
    only at the positions whose target is a response token. No cache: transformers' own packed-mask
    detection (sdpa, eager) is off when a cache is passed."""
    import torch.nn.functional as F

    targets = batch["targets"][0]
    keep = (targets != IGNORE_INDEX).nonzero().squeeze(1)
    inputs = {k: v for k, v in batch.items() if k != "targets"}
    logits = model(**inputs, logits_to_keep=keep, use_cache=False).logits
    return F.cross_entropy(logits[0].float(), targets[keep], reduction="sum")


def micro_batch_loss_sum(model, examples: list[Example], *, packed: bool, pad_token_id: int, trim_logits: bool):
    """Summed response loss of one micro-batch, packed into one row or right-padded (training.loss)."""
    device = next(model.parameters()).device
    if packed:
        batch = {k: v.to(device) if hasattr(v, "to") else v for k, v in pack(examples).items()}
        return packed_loss_sum(model, batch)
    batch = {k: v.to(device) for k, v in collate(examples, pad_token_id).items()}
    return batch_loss_sum(model, batch, trim_logits)


def packed_sdpa(module, query, key, value, attention_mask, *, cu_seq_lens_q=None, **kwargs):
    """transformers attention function: plain SDPA, or causal SDPA per sample of a packed row when
    the row's boundaries are given (query/key/value [1, heads, T, head_dim])."""
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    for name in ("cu_seq_lens_k", "max_length_q", "max_length_k"):
        kwargs.pop(name, None)
    if cu_seq_lens_q is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)
    if query.shape[0] != 1:
        raise ValueError("a packed batch is one row")
    bounds = cu_seq_lens_q.tolist()
    outputs = [
        sdpa_attention_forward(module, query[:, :, a:b], key[:, :, a:b], value[:, :, a:b], None, **kwargs)[0]
        for a, b in zip(bounds[:-1], bounds[1:])
    ]
    return torch.cat(outputs, dim=1), None


def register_packed_attention() -> None:
    """Registers PACKED_ATTENTION (and SDPA's mask for it) with transformers, once."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface, sdpa_mask

    if PACKED_ATTENTION not in ALL_MASK_ATTENTION_FUNCTIONS._global_mapping:
        AttentionInterface.register(PACKED_ATTENTION, packed_sdpa)
        AttentionMaskInterface.register(PACKED_ATTENTION, sdpa_mask)


def use_packed_attention(model) -> bool:
    """Switches a model on plain SDPA to PACKED_ATTENTION (the same maths on padded batches).
    False where the model uses another attention (flash_attention_2 packs by itself; eager gets
    transformers' block-diagonal mask)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    current = getattr(getattr(model, "config", None), "_attn_implementation", None)
    if current not in PACKABLE_ATTENTION or not hasattr(base, "set_attn_implementation"):
        return False
    register_packed_attention()
    base.set_attn_implementation(PACKED_ATTENTION)
    return True


def packing_agrees(model, examples: list[Example], pad_token_id: int) -> bool:
    """Whether packed and padded losses agree on `examples` (eval mode, no grad): the check that
    the model keeps packed samples apart (an architecture that ignores restarting position_ids or
    takes positions from the padding mask would not)."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            padded = micro_batch_loss_sum(model, examples, packed=False, pad_token_id=pad_token_id, trim_logits=False)
            packed = micro_batch_loss_sum(model, examples, packed=True, pad_token_id=pad_token_id, trim_logits=False)
    except (TypeError, ValueError, RuntimeError):
        return False
    finally:
        model.train(was_training)
    tolerance = 1e-4 if next(model.parameters()).dtype == torch.float32 else 2e-2
    return abs(float(packed) - float(padded)) <= tolerance * max(abs(float(padded)), 1e-6)


def choose_packed(model, examples: list[Example], pad_token_id: int) -> bool:
    """Switches `model` to packed micro-batches when its packed loss matches its padded loss on the
    two shortest of `examples`; False (padded batches, with a message) otherwise."""
    import sys

    use_packed_attention(model)
    probe = sorted(examples, key=len)[:2]
    if len(probe) == 2 and packing_agrees(model, probe, pad_token_id):
        return True
    print(
        f"Packed batches do not match padded ones on {type(model).__name__}; training on padded batches",
        file=sys.stderr,
    )
    return False
