"""Greedy generations for ROUGE-L: prompts tokenised as the scoring code tokenises them (BOS, when
the tokenizer adds one, then the prompt without special tokens, its start cut to leave room for
`max_new_tokens`), decoded up to `max_new_tokens` or the end-of-sequence token.

`greedy_ids` is the batched loop the evaluator runs: prompts of similar length left-padded into one
batch (attention mask, position ids counted from each row's first real token), one prefill pass,
then one token per step fed against the KV cache, the LM head applied to each row's last position
only; a row stops at its end-of-sequence token or `max_new_tokens`, and finished rows leave the
batch (and the cache). `greedy_ids_plain` is the plain way it is checked and benchmarked against:
one prompt at a time, the whole sequence fed again for every new token, no cache."""

from __future__ import annotations

from collections.abc import Sequence

BATCH_ROWS = {"cpu": 16, "cuda": 64}  # prompts per batch (bench/bench_eval.py)


def prompt_ids(tokenizer, prompts: Sequence[str], max_length: int, max_new_tokens: int) -> list[list[int]]:
    from udfs.lm_scoring.sequences import _encode, bos_prefix

    bos = bos_prefix(tokenizer)
    room = max(1, max_length - max_new_tokens - len(bos))
    return [bos + p[-room:] for p in _encode(tokenizer, list(prompts))]  # the prompt's end stays


def cache_kwarg(body) -> str:
    """The name the model body takes its KV cache by: `cache` in newer transformers (where the old
    `past_key_values` is deprecated), `past_key_values` before."""
    import inspect

    return "cache" if "cache" in inspect.signature(body.forward).parameters else "past_key_values"


def left_padded_pass(lm, body, kw: str, seqs: Sequence[list[int]], pad_id: int, device):
    """One forward pass of `seqs` left-padded to the longest, with positions from the attention mask
    and a fresh KV cache: (last hidden state per row, positions, attention mask, cache)."""
    import torch
    from transformers import DynamicCache

    width = max(len(ids) for ids in seqs)
    input_ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, ids in enumerate(seqs):
        input_ids[r, width - len(ids) :] = torch.tensor(ids)
        attention[r, width - len(ids) :] = 1
    input_ids, attention = input_ids.to(device), attention.to(device)
    positions = (attention.cumsum(1) - 1).clamp(min=0)
    cache = DynamicCache(config=lm.config)
    out = body(input_ids=input_ids, attention_mask=attention, position_ids=positions, use_cache=True, **{kw: cache})
    return out.last_hidden_state[:, -1], positions, attention, cache


def _next_tokens(hidden, head):
    from udfs.lm_scoring.scorer import _logits

    return _logits(hidden, head).argmax(-1)  # ties: the first id, as transformers' greedy search


def greedy_ids(
    lm, ids: Sequence[list[int]], max_new_tokens: int, eos_id, pad_id: int = 0, rows: int = 16, on_batch=None
):
    """New token ids per prompt (the end-of-sequence token included when reached), batched with the
    KV cache. `lm` is a transformers causal LM with a `.base_model` body (LoRA layers may be injected);
    `on_batch(n)`, if given, is called as each batch of n prompts finishes."""
    import torch

    from udfs.lm_scoring.scorer import _head

    body, head = lm.base_model, _head(lm)
    kw = cache_kwarg(body)
    device = next(lm.parameters()).device
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    out: list[list[int]] = [[] for _ in ids]
    if max_new_tokens < 1:
        return out
    for lo in range(0, len(order), rows):
        batch = order[lo : lo + rows]
        hidden, positions, attention, cache = left_padded_pass(lm, body, kw, [ids[i] for i in batch], pad_id, device)
        position = positions[:, -1]
        live = list(batch)  # prompt index of each row still generating
        while True:
            tokens = _next_tokens(hidden, head)
            keep = []
            for r, (i, t) in enumerate(zip(live, tokens.tolist())):
                out[i].append(t)
                if t != eos_id and len(out[i]) < max_new_tokens:
                    keep.append(r)
            if not keep:
                break
            if len(keep) < len(live):
                index = torch.tensor(keep, device=device)
                cache.batch_select_indices(index)
                attention, tokens, position = attention[index], tokens[index], position[index]
                live = [live[r] for r in keep]
            attention = torch.cat([attention, attention.new_ones((len(live), 1))], dim=1)
            position = position + 1
            hidden = body(
                input_ids=tokens[:, None],
                attention_mask=attention,
                position_ids=position[:, None],
                use_cache=True,
                **{kw: cache},
            ).last_hidden_state[:, -1]
        if on_batch is not None:
            on_batch(len(batch))
    return out


def greedy_ids_plain(lm, ids: Sequence[list[int]], max_new_tokens: int, eos_id) -> list[list[int]]:
    """The plain way: each prompt alone, every step a full forward pass over prompt + tokens so far."""
    import torch

    from udfs.lm_scoring.scorer import _head

    body, head = lm.base_model, _head(lm)
    device = next(lm.parameters()).device
    out = []
    for prompt in ids:
        seq, new = list(prompt), []
        while len(new) < max_new_tokens:
            x = torch.tensor([seq], device=device)
            hidden = body(input_ids=x, use_cache=False).last_hidden_state[:, -1]
            t = int(_next_tokens(hidden, head)[0])
            new.append(t)
            seq.append(t)
            if t == eos_id:
                break
        out.append(new)
    return out


def greedy_generations(model, prompts: Sequence[str], max_new_tokens: int, progress: bool = True) -> list[str]:
    import torch
    from tqdm.auto import tqdm

    tokenizer, lm = model.tokenizer, model.scoring_model
    ids = prompt_ids(tokenizer, prompts, model.max_length, max_new_tokens)
    device = next(lm.parameters()).device
    rows = BATCH_ROWS["cuda" if device.type == "cuda" else "cpu"]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    bar = tqdm(total=len(ids), desc="greedy generations", disable=not progress, mininterval=1.0)
    with torch.inference_mode(), bar:
        new = greedy_ids(lm, ids, max_new_tokens, tokenizer.eos_token_id, pad, rows, bar.update)
    return [tokenizer.decode(t, skip_special_tokens=True) for t in new]
