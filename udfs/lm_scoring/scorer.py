"""`score_samples`: mean token entropy, mean NLL and perplexity of each sample under a causal LM.

The transformer body runs once per batch (`model.base_model`, no logits); the LM head and
log_softmax run only on the positions whose next token is scored, in chunks of positions so the
(positions x vocab) logits stay within a fixed memory budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from udfs.lm_scoring.sequences import build_sequences, plan_batches

DEFAULT_CPU_BUDGET = 4096  # padded tokens per batch
DEFAULT_CUDA_BUDGET = 32768
LOGITS_BUDGET_BYTES = {"cpu": 64 << 20, "cuda": 1 << 30}  # fp32 logits of one head chunk (x ~3 in use)


def _null_score() -> dict:
    return {"n_tokens": 0, "mean_entropy": None, "mean_nll": None, "perplexity": None}


def _head(model):
    """(weight, bias, scale, softcap) of the LM head, weight/bias in fp32."""
    head = model.get_output_embeddings()
    weight = head.weight.detach().float()
    bias = head.bias.detach().float() if getattr(head, "bias", None) is not None else None
    config = model.config
    scale = getattr(config, "logit_scale", None)  # Cohere
    softcap = getattr(config, "final_logit_softcapping", None)  # Gemma 2
    return weight, bias, scale, softcap


def score_positions(hidden, targets, head, chunk: int):
    """Entropy and NLL (fp32) of each row of `hidden` (N x d) predicting `targets` (N)."""
    import torch
    import torch.nn.functional as F

    weight, bias, scale, softcap = head
    entropy = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
    nll = torch.empty_like(entropy)
    for lo in range(0, hidden.shape[0], chunk):
        h = hidden[lo : lo + chunk].float()
        logits = F.linear(h, weight, bias)
        if scale is not None:
            logits = logits * scale
        if softcap is not None:
            logits = torch.tanh(logits / softcap) * softcap
        logp = torch.log_softmax(logits, dim=-1)
        del logits
        entropy[lo : lo + chunk] = -(logp.exp() * logp).sum(-1)
        nll[lo : lo + chunk] = -logp.gather(1, targets[lo : lo + chunk, None]).squeeze(1)
    return entropy, nll


def _model_device(model):
    return next(model.parameters()).device


def score_samples(
    model,
    tokenizer,
    prompts: Sequence[str],
    responses: Sequence[str] | None = None,
    scope: str = "response",
    max_tokens_per_batch: int | None = None,
    max_length: int = 1024,
    progress: bool = True,
    on_batch: Callable[[list[int], list[dict]], None] | None = None,
    logits_budget_bytes: int | None = None,
) -> list[dict]:
    """Scores of each sample: dict(n_tokens, mean_entropy, mean_nll, perplexity); see the module doc.

    `model` is a transformers causal LM (in eval mode, on its device and dtype); `max_tokens_per_batch`
    bounds rows x longest row per forward pass (default 4096 on CPU, 32768 on CUDA);
    `logits_budget_bytes` bounds one chunk of head logits (default 64 MiB on CPU, 1 GiB on CUDA). `on_batch`, if
    given, is called with (sample indices, their scores) after every finished batch, and once up front
    for the samples with nothing to score.
    """
    import torch
    from tqdm.auto import tqdm

    n = len(prompts)
    seqs = build_sequences(tokenizer, prompts, responses, scope, max_length)
    results: list[dict | None] = [None] * n
    empty = [i for i, s in enumerate(seqs) if s is None]
    for i in empty:
        results[i] = _null_score()
    if empty and on_batch is not None:
        on_batch(empty, [results[i] for i in empty])
    todo = [s for s in seqs if s is not None]
    if not todo:
        return results  # type: ignore[return-value]

    device = _model_device(model)
    if max_tokens_per_batch is None:
        max_tokens_per_batch = DEFAULT_CUDA_BUDGET if device.type == "cuda" else DEFAULT_CPU_BUDGET
    batches = plan_batches(todo, max_tokens_per_batch)
    body = model.base_model
    head = _head(model)
    if logits_budget_bytes is None:
        logits_budget_bytes = LOGITS_BUDGET_BYTES["cuda" if device.type == "cuda" else "cpu"]
    chunk = max(16, logits_budget_bytes // (4 * head[0].shape[0]))
    pad_id = 0
    bar = tqdm(
        total=sum(len(s.ids) for s in todo),
        unit="tok",
        unit_scale=True,
        disable=not progress,
        desc=f"lm scores ({scope})",
        mininterval=1.0,
    )
    with torch.inference_mode(), bar:
        for batch in batches:
            width = len(batch[0].ids)
            rows = len(batch)
            input_ids = torch.full((rows, width), pad_id, dtype=torch.long)
            attention = torch.zeros((rows, width), dtype=torch.long)
            pos_rows, pos_cols, seg = [], [], []
            for r, s in enumerate(batch):
                input_ids[r, : len(s.ids)] = torch.tensor(s.ids, dtype=torch.long)
                attention[r, : len(s.ids)] = 1
                k = s.end - s.start
                pos_rows += [r] * k
                pos_cols += range(s.start - 1, s.end - 1)  # position t-1 predicts token t
                seg += [r] * k
            input_ids = input_ids.to(device)
            attention = attention.to(device)
            positions = torch.arange(width, device=device).expand(rows, width)
            hidden = body(
                input_ids=input_ids, attention_mask=attention, position_ids=positions, use_cache=False
            ).last_hidden_state
            pr = torch.tensor(pos_rows, device=device)
            pc = torch.tensor(pos_cols, device=device)
            entropy, nll = score_positions(hidden[pr, pc], input_ids[pr, pc + 1], head, chunk)
            seg_t = torch.tensor(seg, device=device)
            ent_sum = torch.zeros(rows, dtype=torch.float64, device=device).index_add_(0, seg_t, entropy.double())
            nll_sum = torch.zeros(rows, dtype=torch.float64, device=device).index_add_(0, seg_t, nll.double())
            ent_sum, nll_sum = ent_sum.tolist(), nll_sum.tolist()
            finished = []
            for r, s in enumerate(batch):
                k = s.end - s.start
                mean_nll = nll_sum[r] / k
                results[s.index] = {
                    "n_tokens": k,
                    "mean_entropy": ent_sum[r] / k,
                    "mean_nll": mean_nll,
                    "perplexity": math.exp(min(mean_nll, 700.0)),
                }
                finished.append(s.index)
            if on_batch is not None:
                on_batch(finished, [results[i] for i in finished])
            bar.update(sum(len(s.ids) for s in batch))
    return results  # type: ignore[return-value]
