"""Loading an encoder directory and running it over (prompt, response) pairs in length-sorted batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence

DEFAULT_BUDGET = {"cpu": 4096, "cuda": 32768}  # padded tokens per batch, as udfs/lm_scoring/scorer.py
UNBOUNDED = 1_000_000  # a tokenizer's model_max_length above this means "not set"


def load_encoder(spec, kind: str):
    """(model, tokenizer) of the local directory of `spec` (a ModelSpec) for `kind`, in eval mode."""
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    directory = str(spec.model_dir())
    tokenizer = AutoTokenizer.from_pretrained(directory, trust_remote_code=spec.trust_remote_code)
    cls = AutoModelForSequenceClassification if kind == "quality" else AutoModel
    model = cls.from_pretrained(directory, dtype=spec.resolved_dtype(), trust_remote_code=spec.trust_remote_code)
    if kind == "quality" and model.config.num_labels not in (1, 2):
        raise ValueError(
            f"quality model {spec.path!r} has {model.config.num_labels} labels; a quality score needs 1 "
            "(a reward logit) or 2 (the probability of label 1)"
        )
    return model.to(spec.resolved_device()).eval(), tokenizer


def max_tokens(model, tokenizer, max_length: int) -> int:
    limits = [max_length, getattr(model.config, "max_position_embeddings", None)]
    if 0 < (tokenizer.model_max_length or 0) < UNBOUNDED:
        limits.append(tokenizer.model_max_length)
    return min(x for x in limits if x)


def _outputs(model, kind: str, inputs: dict, mask):
    import torch

    if kind == "quality":
        logits = model(**inputs).logits.float()
        return logits[:, 0] if logits.shape[1] == 1 else torch.softmax(logits, -1)[:, 1]
    hidden = model(**inputs).last_hidden_state.float()
    m = mask.float()
    return torch.einsum("rw,rwd->rd", m, hidden) / m.sum(1, keepdim=True)


def encode_samples(
    model,
    tokenizer,
    kind: str,
    prompts: Sequence[str],
    responses: Sequence[str],
    max_length: int = 512,
    max_tokens_per_batch: int | None = None,
    progress: bool = True,
    on_batch: Callable[[list[int], list[dict]], None] | None = None,
) -> list[dict]:
    """One dict per sample: n_tokens and quality_score (kind 'quality') or embedding (float32 numpy
    vector, kind 'embedding'); a pair with no tokens gets nulls. `on_batch(indices, results)` runs
    after every batch."""
    import torch
    from tqdm.auto import tqdm

    field = "quality_score" if kind == "quality" else "embedding"
    limit = max_tokens(model, tokenizer, max_length)
    enc = tokenizer(
        [p or "" for p in prompts], [r or "" for r in responses], truncation="longest_first", max_length=limit
    )
    keys = [k for k in ("input_ids", "token_type_ids") if k in enc]
    results: list[dict | None] = [None] * len(prompts)
    empty = [i for i, ids in enumerate(enc["input_ids"]) if not ids]
    for i in empty:
        results[i] = {"n_tokens": 0, field: None}
    if empty and on_batch is not None:
        on_batch(empty, [results[i] for i in empty])
    device = next(model.parameters()).device
    budget = max_tokens_per_batch or DEFAULT_BUDGET["cuda" if device.type == "cuda" else "cpu"]
    order = sorted((i for i, ids in enumerate(enc["input_ids"]) if ids), key=lambda i: (-len(enc["input_ids"][i]), i))
    batches, current = [], []
    for i in order:  # longest first: a batch's first row is its longest
        if current and (len(current) + 1) * len(enc["input_ids"][current[0]]) > budget:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    bar = tqdm(total=len(order), unit="sample", disable=not progress, desc=f"{kind} model", mininterval=1.0)
    with torch.inference_mode(), bar:
        for batch in batches:
            width = len(enc["input_ids"][batch[0]])
            inputs = {k: torch.zeros((len(batch), width), dtype=torch.long) for k in keys}
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, i in enumerate(batch):
                n = len(enc["input_ids"][i])
                for k in keys:
                    inputs[k][r, :n] = torch.tensor(enc[k][i], dtype=torch.long)
                mask[r, :n] = 1
            inputs = {k: v.to(device) for k, v in inputs.items()}
            mask = mask.to(device)
            out = _outputs(model, kind, {**inputs, "attention_mask": mask}, mask).cpu()
            values = out.tolist() if kind == "quality" else list(out.numpy())
            for i, value in zip(batch, values):
                results[i] = {"n_tokens": len(enc["input_ids"][i]), field: value}
            if on_batch is not None:
                on_batch(batch, [results[i] for i in batch])
            bar.update(len(batch))
    return results  # type: ignore[return-value]


def encode_batch(model, tokenizer, prompts, responses, *, scope: str, signals=(), **kwargs) -> list[dict]:
    """`encode_samples` in the scorer's signature (compute.score_missing's `batch_fn`): the
    scope is the kind; encoders have no signals."""
    if signals:
        raise ValueError(f"an encoder computes no signals, not {signals!r}")
    return encode_samples(model, tokenizer, scope, prompts, responses, **kwargs)
