"""Option log-likelihoods with the prompt's forward pass shared by its options: the prompts of a
batch of questions run once (left-padded, position ids counted from each row's first real token)
into a KV cache, the cache is repeated for each option, and the options run as continuations against
it (right-padded, positions continuing their prompt's). The first option token is predicted by the
prompt's last position, every later one by the option's own previous position: the same tokens and
the same sums as scoring each prompt + option sequence whole (udfs.lm_scoring.score_samples), for
about 1/n_options of the prompt compute.

Tokens come from the scoring code's own `build_sequences`; a question whose options' sequences do
not share one prefix (a prompt cut to fit a long option in `max_length`) is left to the caller."""

from __future__ import annotations

from collections.abc import Sequence

from udfs.lm_scoring.sequences import Seq, budget_batches

DEFAULT_BUDGET = {"cpu": 4096, "cuda": 32768}  # padded prompt tokens per batch, as the scorer's


def shared_prefix(seqs: Sequence[Seq | None]) -> list[int] | None:
    """The prefix every option's sequence starts with, or None when the options do not share it."""
    if not seqs or any(s is None for s in seqs):
        return None
    prefix = seqs[0].ids[: seqs[0].start]
    if any(s.ids[: s.start] != prefix for s in seqs):
        return None
    return prefix


def shared_logliks(lm, prefixes: Sequence[list[int]], options: Sequence[list[list[int]]], budget=None):
    """Per question, the summed log-probability of each option's tokens (each non-empty) after its
    prefix (non-empty). `lm`: a transformers causal LM with a `.base_model` body, in eval mode."""
    import torch

    from evaluation.generation import cache_kwarg, left_padded_pass
    from udfs.lm_scoring.scorer import _head, nll_positions

    body, head = lm.base_model, _head(lm)
    kw = cache_kwarg(body)
    device = next(lm.parameters()).device
    if budget is None:
        budget = DEFAULT_BUDGET["cuda" if device.type == "cuda" else "cpu"]
    chunk = max(16, (64 << 20) // (4 * head[0].shape[0]))
    out: list[list[float]] = [[] for _ in prefixes]
    order = sorted(range(len(prefixes)), key=lambda q: -len(prefixes[q]))
    with torch.inference_mode():
        for batch in budget_batches(order, lambda q: len(prefixes[q]), budget):
            last, positions, mask, cache = left_padded_pass(lm, body, kw, [prefixes[q] for q in batch], 0, device)
            rows = [(r, q, o) for r, q in enumerate(batch) for o in options[q]]  # one row per option
            index = torch.tensor([r for r, _, _ in rows], device=device)
            cache.batch_select_indices(index)  # each prompt's cache, repeated for its options
            span = max(len(o) for _, _, o in rows)
            opt_ids = torch.zeros((len(rows), span), dtype=torch.long)
            opt_mask = torch.zeros((len(rows), span), dtype=torch.long)
            for j, (_, _, o) in enumerate(rows):
                opt_ids[j, : len(o)] = torch.tensor(o)
                opt_mask[j, : len(o)] = 1
            opt_ids, opt_mask = opt_ids.to(device), opt_mask.to(device)
            opt_positions = positions[index, -1:] + 1 + torch.arange(span, device=device)
            hidden = body(
                input_ids=opt_ids,
                attention_mask=torch.cat([mask[index], opt_mask], dim=1),
                position_ids=opt_positions,
                use_cache=True,
                **{kw: cache},
            ).last_hidden_state
            # option token k is predicted by the prompt's last position (k = 0) or option position k - 1
            pr = [j for j, (_, _, o) in enumerate(rows) for _ in range(len(o) - 1)]
            pc = [k for _, _, o in rows for k in range(len(o) - 1)]
            states = torch.cat([last[index], hidden[pr, pc]])
            targets = torch.cat([opt_ids[:, 0], opt_ids[pr, [k + 1 for k in pc]]])
            nll = nll_positions(states, targets, head, chunk).double()
            seg = torch.tensor(list(range(len(rows))) + pr, device=device)
            sums = torch.zeros(len(rows), dtype=torch.float64, device=device).index_add_(0, seg, nll).tolist()
            for j, (_, q, _) in enumerate(rows):
                out[q].append(-sums[j])
    return out
