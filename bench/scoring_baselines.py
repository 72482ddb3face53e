"""The naive baselines bench/bench_scoring.py measures the batched scorer against: the
FT-Data-Ranker entry's maths (full softmax over every position), one sample at a time or in
right-padded batches of 16, fp32, full logits."""

from __future__ import annotations

import math


def _naive_from_logits(logits, ids, start):
    """The entry's maths: softmax probabilities of every position, entropy -sum p log p, NLL -log p."""
    import torch

    probs = torch.softmax(logits.float(), dim=-1)
    entropy = -(probs * torch.log(probs)).sum(-1)  # every position, prompt included
    target_p = probs[:-1].gather(1, ids[1:, None]).squeeze(1)
    nll = -torch.log(target_p)
    ent = entropy[start - 1 : len(ids) - 1]
    nll = nll[start - 1 :]
    k = len(ent)
    mean_nll = float(nll.sum()) / k
    return {"n_tokens": k, "mean_entropy": float(ent.sum()) / k, "mean_nll": mean_nll, "perplexity": math.exp(mean_nll)}


def naive_scores(model, seqs, n):
    """One sample at a time, fp32 model, full logits."""
    import torch

    results = [None] * n
    device = next(model.parameters()).device
    with torch.no_grad():
        for s in seqs:
            ids = torch.tensor(s.ids, device=device)
            logits = model(ids[None]).logits[0]
            results[s.index] = _naive_from_logits(logits, ids, s.start)
    return results


def naive_padded_scores(model, seqs, n, batch_size=16, pad_id=0):
    """Batches of 16 in data order, right padding + attention mask, full logits over all positions."""
    import torch

    results = [None] * n
    device = next(model.parameters()).device
    seqs = sorted(seqs, key=lambda s: s.index)
    with torch.no_grad():
        for lo in range(0, len(seqs), batch_size):
            batch = seqs[lo : lo + batch_size]
            width = max(len(s.ids) for s in batch)
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, s in enumerate(batch):
                ids[r, : len(s.ids)] = torch.tensor(s.ids)
                mask[r, : len(s.ids)] = 1
            logits = model(ids.to(device), attention_mask=mask.to(device)).logits
            for r, s in enumerate(batch):
                results[s.index] = _naive_from_logits(logits[r, : len(s.ids)], ids[r, : len(s.ids)].to(device), s.start)
    return results
