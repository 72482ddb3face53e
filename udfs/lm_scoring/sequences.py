"""The token sequences that are scored: prompt and response ids, the BOS the tokenizer adds, the
scored span and the truncation rule (udfs/lm_scoring/__init__.py says what is scored), and the
length-sorted batches they run in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

SCOPES = ("response", "prompt")


def _encode(tokenizer, texts: list[str], add_special_tokens: bool = False) -> list[list[int]]:
    """Token ids per text, for a transformers tokenizer or a `tokenizers.Tokenizer`."""
    if not texts:
        return []
    from tokenizers import Tokenizer

    if isinstance(tokenizer, Tokenizer):
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens)]
    return list(tokenizer(texts, add_special_tokens=add_special_tokens)["input_ids"])


def bos_prefix(tokenizer) -> list[int]:
    """The ids the tokenizer itself puts in front of a text (a required BOS), else []."""
    without = _encode(tokenizer, ["a"])[0]
    with_special = _encode(tokenizer, ["a"], add_special_tokens=True)[0]
    n_extra = len(with_special) - len(without)
    if n_extra > 0 and with_special[n_extra : n_extra + len(without)] == without:
        return list(with_special[:n_extra])
    return []


@dataclass
class Seq:
    index: int  # position in the caller's list
    ids: list[int]  # tokens fed to the model
    start: int  # first scored token index in ids (>= 1)
    end: int  # one past the last scored token
    unconditional: bool = False  # IFD's second sequence: the response without its prompt


def build_sequences(
    tokenizer, prompts: Sequence[str], responses: Sequence[str] | None, scope: str, max_length: int
) -> list[Seq | None]:
    """The token sequence and scored span of each sample (None: nothing to score). See module doc."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    bos = bos_prefix(tokenizer)
    prompt_ids = _encode(tokenizer, [p or "" for p in prompts])
    out: list[Seq | None] = []
    if scope == "prompt":
        for i, p in enumerate(prompt_ids):
            p = p[len(p) - (max_length - len(bos)) :] if len(bos) + len(p) > max_length else p
            ids = bos + p
            start = max(len(bos), 1)
            out.append(Seq(i, ids, start, len(ids)) if len(ids) > start else None)
        return out
    if responses is None or len(responses) != len(prompts):
        raise ValueError("scope 'response' needs one response per prompt")
    response_ids = _encode(tokenizer, [r or "" for r in responses])
    for i, (p, r) in enumerate(zip(prompt_ids, response_ids)):
        room = max_length - len(bos) - len(r)
        if not r or room < (1 if p and not bos else 0):  # the whole response, with context, must fit
            out.append(None)
            continue
        p = p[len(p) - room :] if len(p) > room else p
        ids = bos + p + r
        start = max(len(bos) + len(p), 1)
        out.append(Seq(i, ids, start, len(ids)) if len(ids) > start else None)
    return out


def unconditional_sequences(
    tokenizer, responses: Sequence[str], conditional: Sequence[Seq | None], max_length: int
) -> list[Seq]:
    """IFD's response-alone sequences, for the samples whose conditional sequence is scored: the
    response with an empty prompt under the same rule, i.e. BOS + response with every response
    token scored given BOS when the tokenizer adds one, else the response alone with its first
    token unscored (nothing predicts it), as Cherry LLM's `get_perplexity_and_embedding_whole_text`
    does (labels = input_ids, loss over tokens 1..n-1 of `tokenizer.encode(response)`). A scored
    conditional response fits `max_length`, so its unconditional sequence does too."""
    todo = [s.index for s in conditional if s is not None]
    seqs = build_sequences(tokenizer, [""] * len(todo), [responses[i] or "" for i in todo], "response", max_length)
    return [Seq(i, s.ids, s.start, s.end, True) for i, s in zip(todo, seqs) if s is not None]


def budget_batches(items: Sequence[T], length: Callable[[T], int], max_tokens_per_batch: int) -> list[list[T]]:
    """`items` longest first, cut into batches whose padded size (rows x the first, longest row's
    length) stays within the budget."""
    batches: list[list[T]] = []
    current: list[T] = []
    for item in items:
        if current and (len(current) + 1) * length(current[0]) > max_tokens_per_batch:
            batches.append(current)
            current = []
        current.append(item)
    if current:
        batches.append(current)
    return batches


def plan_batches(seqs: Iterable[Seq], max_tokens_per_batch: int) -> list[list[Seq]]:
    """Longest first; each batch's padded size (rows x longest row) stays within the budget."""
    ordered = sorted(seqs, key=lambda s: (-len(s.ids), s.index, s.unconditional))
    return budget_batches(ordered, lambda s: len(s.ids), max_tokens_per_batch)
