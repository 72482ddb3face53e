"""Greedy generations for ROUGE-L: prompts tokenised as the scoring code tokenises them (BOS, when
the tokenizer adds one, then the prompt without special tokens), left-padded in batches of similar
length, decoded up to `max_new_tokens` or the end-of-sequence token."""

from __future__ import annotations

from collections.abc import Sequence

BATCH_ROWS = {"cpu": 8, "cuda": 64}


def greedy_generations(model, prompts: Sequence[str], max_new_tokens: int, progress: bool = True) -> list[str]:
    import torch
    from tqdm.auto import tqdm

    from udfs.lm_scoring.sequences import _encode, bos_prefix

    tokenizer = model.tokenizer
    bos = bos_prefix(tokenizer)
    room = max(1, model.max_length - max_new_tokens - len(bos))
    ids = [bos + p[-room:] for p in _encode(tokenizer, list(prompts))]  # the prompt's end stays
    device = next(model.causal_lm.parameters()).device
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    rows = BATCH_ROWS["cuda" if device.type == "cuda" else "cpu"]
    pad = tokenizer.pad_token_id
    out: list[str] = [""] * len(ids)
    with torch.inference_mode():
        for lo in tqdm(range(0, len(order), rows), desc="greedy generations", disable=not progress, mininterval=1.0):
            batch = order[lo : lo + rows]
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
            attention = torch.zeros((len(batch), width), dtype=torch.long)
            for r, i in enumerate(batch):
                input_ids[r, width - len(ids[i]) :] = torch.tensor(ids[i])
                attention[r, width - len(ids[i]) :] = 1
            generated = model.causal_lm.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=pad,
                eos_token_id=tokenizer.eos_token_id,
            )
            for r, i in enumerate(batch):
                out[i] = tokenizer.decode(generated[r, width:], skip_special_tokens=True)
    return out
