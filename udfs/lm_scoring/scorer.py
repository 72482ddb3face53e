"""`score_samples`: mean token entropy, mean NLL and perplexity of each sample under a causal LM,
and on request the signals IFD and embedding (udfs/lm_scoring/__init__.py defines them).

The transformer body runs once per batch (`model.base_model`, no logits); the LM head and
log_softmax run only on the positions whose next token is scored, in chunks of positions so the
(positions x vocab) logits stay within a fixed memory budget. The unconditional sequences IFD needs
(the response alone) are batched together with the conditional ones, and the embedding is pooled
from the conditional pass's own final hidden states (no second pass).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from udfs.lm_scoring.sequences import build_sequences, plan_batches, unconditional_sequences

DEFAULT_CPU_BUDGET = 4096  # padded tokens per batch
DEFAULT_CUDA_BUDGET = 32768
LOGITS_BUDGET_BYTES = {"cpu": 64 << 20, "cuda": 1 << 30}  # fp32 logits of one head chunk (x ~3 in use)
SIGNALS = ("ifd", "embedding")  # optional outputs beyond the scores
SIGNAL_FIELDS = {"ifd": ("mean_nll_unconditional", "ifd"), "embedding": ("embedding",)}


def check_signals(signals) -> tuple[str, ...]:
    """The requested signals in SIGNALS order; an unknown name is an error."""
    signals = tuple(signals or ())
    unknown = [x for x in signals if x not in SIGNALS]
    if unknown:
        raise ValueError(f"unknown signal(s) {unknown}; known: {SIGNALS}")
    return tuple(x for x in SIGNALS if x in signals)


def _null_score(signals: tuple[str, ...] = ()) -> dict:
    out = {"n_tokens": 0, "mean_entropy": None, "mean_nll": None, "perplexity": None}
    for signal in signals:
        out.update(dict.fromkeys(SIGNAL_FIELDS[signal]))
    return out


def _head(model):
    """(weight, bias, scale, softcap) of the LM head, weight/bias in fp32."""
    head = model.get_output_embeddings()
    weight = head.weight.detach().float()
    bias = head.bias.detach().float() if getattr(head, "bias", None) is not None else None
    config = model.config
    scale = getattr(config, "logit_scale", None)  # Cohere
    softcap = getattr(config, "final_logit_softcapping", None)  # Gemma 2
    return weight, bias, scale, softcap


def _logits(h, head):
    import torch
    import torch.nn.functional as F

    weight, bias, scale, softcap = head
    logits = F.linear(h.float(), weight, bias)
    if scale is not None:
        logits = logits * scale
    if softcap is not None:
        logits = torch.tanh(logits / softcap) * softcap
    return logits


def score_positions(hidden, targets, head, chunk: int):
    """Entropy and NLL (fp32) of each row of `hidden` (N x d) predicting `targets` (N)."""
    import torch

    entropy = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
    nll = torch.empty_like(entropy)
    for lo in range(0, hidden.shape[0], chunk):
        logp = torch.log_softmax(_logits(hidden[lo : lo + chunk], head), dim=-1)
        entropy[lo : lo + chunk] = -(logp.exp() * logp).sum(-1)
        nll[lo : lo + chunk] = -logp.gather(1, targets[lo : lo + chunk, None]).squeeze(1)
    return entropy, nll


def nll_positions(hidden, targets, head, chunk: int):
    """NLL only (fp32): logsumexp(logits) - logit[target], without the entropy's extra pass."""
    import torch

    nll = torch.empty(hidden.shape[0], dtype=torch.float32, device=hidden.device)
    for lo in range(0, hidden.shape[0], chunk):
        logits = _logits(hidden[lo : lo + chunk], head)
        nll[lo : lo + chunk] = torch.logsumexp(logits, -1) - logits.gather(1, targets[lo : lo + chunk, None]).squeeze(1)
    return nll


def _model_device(model):
    return next(model.parameters()).device


def _pad(batch, pad_id: int = 0):
    """Right-padded ids and attention mask of a batch (its first row is its longest)."""
    import torch

    rows, width = len(batch), len(batch[0].ids)
    input_ids = torch.full((rows, width), pad_id, dtype=torch.long)
    attention = torch.zeros((rows, width), dtype=torch.long)
    for r, s in enumerate(batch):
        input_ids[r, : len(s.ids)] = torch.tensor(s.ids, dtype=torch.long)
        attention[r, : len(s.ids)] = 1
    return input_ids, attention


def _scored_positions(batch, rows: list[int]):
    """(row, column, segment) of every scored position of `rows`: position t-1 predicts token t."""
    pos_rows, pos_cols, seg = [], [], []
    for j, r in enumerate(rows):
        s = batch[r]
        k = s.end - s.start
        pos_rows += [r] * k
        pos_cols += range(s.start - 1, s.end - 1)
        seg += [j] * k
    return pos_rows, pos_cols, seg


def _segment_sums(values, seg: list[int], n: int) -> list[float]:
    import torch

    seg_t = torch.tensor(seg, device=values.device)
    return torch.zeros(n, dtype=torch.float64, device=values.device).index_add_(0, seg_t, values.double()).tolist()


def _finish(part: dict, signals: tuple[str, ...]) -> dict:
    k, mean_nll = part["n_tokens"], part["nll_sum"] / part["n_tokens"]
    out = {
        "n_tokens": k,
        "mean_entropy": part["entropy_sum"] / k,
        "mean_nll": mean_nll,
        "perplexity": math.exp(min(mean_nll, 700.0)),
    }
    if "ifd" in signals:
        unc = part.get("nll_unconditional")
        out["mean_nll_unconditional"] = unc
        out["ifd"] = mean_nll / unc if unc else None
    if "embedding" in signals:
        out["embedding"] = part["embedding"]
    return out


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
    signals: Sequence[str] = (),
) -> list[dict]:
    """Scores of each sample: dict(n_tokens, mean_entropy, mean_nll, perplexity); see the module doc.

    `signals` adds outputs: "ifd" -> mean_nll_unconditional and ifd (scope 'response' only; null
    with scope 'prompt'), "embedding" -> embedding (float32 numpy vector, the attention-masked mean
    of the final hidden state over the tokens fed: BOS if any, prompt, response). A sample with
    nothing to score has null signals too.
    `model` is a transformers causal LM (in eval mode, on its device and dtype); `max_tokens_per_batch`
    bounds rows x longest row per forward pass (default 4096 on CPU, 32768 on CUDA);
    `logits_budget_bytes` bounds one chunk of head logits (default 64 MiB on CPU, 1 GiB on CUDA). `on_batch`, if
    given, is called with (sample indices, their scores) whenever samples are finished (after a
    batch; a sample with an unconditional sequence once both its sequences ran), and once up front
    for the samples with nothing to score.
    """
    import torch
    from tqdm.auto import tqdm

    signals = check_signals(signals)
    n = len(prompts)
    seqs = build_sequences(tokenizer, prompts, responses, scope, max_length)
    results: list[dict | None] = [None] * n
    empty = [i for i, s in enumerate(seqs) if s is None]
    for i in empty:
        results[i] = _null_score(signals)
    if empty and on_batch is not None:
        on_batch(empty, [results[i] for i in empty])
    todo = [s for s in seqs if s is not None]
    if not todo:
        return results  # type: ignore[return-value]
    extra = (
        unconditional_sequences(tokenizer, responses, seqs, max_length)
        if "ifd" in signals and scope == "response"
        else []
    )
    parts: dict[int, dict] = {s.index: {"pending": 1} for s in todo}
    for s in extra:
        parts[s.index]["pending"] += 1

    device = _model_device(model)
    if max_tokens_per_batch is None:
        max_tokens_per_batch = DEFAULT_CUDA_BUDGET if device.type == "cuda" else DEFAULT_CPU_BUDGET
    batches = plan_batches(todo + extra, max_tokens_per_batch)
    body = model.base_model
    head = _head(model)
    if logits_budget_bytes is None:
        logits_budget_bytes = LOGITS_BUDGET_BYTES["cuda" if device.type == "cuda" else "cpu"]
    chunk = max(16, logits_budget_bytes // (4 * head[0].shape[0]))
    bar = tqdm(
        total=sum(len(s.ids) for s in todo + extra),
        unit="tok",
        unit_scale=True,
        disable=not progress,
        desc=f"lm scores ({scope}{''.join('+' + x for x in signals)})",
        mininterval=1.0,
    )
    with torch.inference_mode(), bar:
        for batch in batches:
            input_ids, attention = _pad(batch)
            input_ids, attention = input_ids.to(device), attention.to(device)
            rows, width = input_ids.shape
            positions = torch.arange(width, device=device).expand(rows, width)
            hidden = body(
                input_ids=input_ids, attention_mask=attention, position_ids=positions, use_cache=False
            ).last_hidden_state
            cond = [r for r, s in enumerate(batch) if not s.unconditional]
            unc = [r for r, s in enumerate(batch) if s.unconditional]
            if cond:
                pr, pc, seg = (torch.tensor(x, device=device) for x in _scored_positions(batch, cond))
                entropy, nll = score_positions(hidden[pr, pc], input_ids[pr, pc + 1], head, chunk)
                ent_sums, nll_sums = (
                    _segment_sums(entropy, seg.tolist(), len(cond)),
                    _segment_sums(nll, seg.tolist(), len(cond)),
                )
                if "embedding" in signals:
                    idx = torch.tensor(cond, device=device)
                    mask = attention[idx].float()
                    pooled = torch.einsum("rw,rwd->rd", mask, hidden[idx].float()) / mask.sum(1, keepdim=True)
                    pooled = pooled.cpu().numpy()
                for j, r in enumerate(cond):
                    s = batch[r]
                    part = parts[s.index]
                    part.update(n_tokens=s.end - s.start, entropy_sum=ent_sums[j], nll_sum=nll_sums[j])
                    if "embedding" in signals:
                        part["embedding"] = pooled[j].copy()
            if unc:
                pr, pc, seg = (torch.tensor(x, device=device) for x in _scored_positions(batch, unc))
                nll = nll_positions(hidden[pr, pc], input_ids[pr, pc + 1], head, chunk)
                for j, total in enumerate(_segment_sums(nll, seg.tolist(), len(unc))):
                    s = batch[unc[j]]
                    parts[s.index]["nll_unconditional"] = total / (s.end - s.start)
            finished = []
            for s in batch:
                part = parts[s.index]
                part["pending"] -= 1
                if not part["pending"]:
                    results[s.index] = _finish(parts.pop(s.index), signals)
                    finished.append(s.index)
            if on_batch is not None and finished:
                on_batch(finished, [results[i] for i in finished])
            bar.update(sum(len(s.ids) for s in batch))
    return results  # type: ignore[return-value]
