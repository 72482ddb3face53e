"""Training data from a warehouse mart: read, tokenise with the loss on the response only, batch.

Each sample becomes prompt_ids + response_ids + [eos]; the labels are -100 on the prompt positions
(and on padding), so the loss covers the response and its end-of-sequence token only. Samples longer
than max_length are dropped, never truncated, and counted. Batches group samples of similar length
(sorted within shuffled mega-batches) to keep right padding small.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

IGNORE_INDEX = -100
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


def read_mart(db_path: str | Path, mart: str = "marts.mart_training_mix", limit: int | None = None) -> list[dict]:
    """Rows {sample_id, prompt, response} of `mart`, in sample_id order, from the DuckDB file read-only."""
    import duckdb

    if not _IDENTIFIER.match(mart):
        raise ValueError(f"{mart!r} is not a [catalog.][schema.]table name")
    if not Path(db_path).exists():
        raise FileNotFoundError(f"No warehouse at {db_path} (run `sftmart build` first)")
    with duckdb.connect(str(db_path), read_only=True) as con:
        columns = {row[0] for row in con.sql(f"describe {mart}").fetchall()}
        missing = {"prompt", "response"} - columns
        if missing:
            raise ValueError(f"{mart} lacks the column(s) {sorted(missing)}")
        sample_id = "sample_id::varchar" if "sample_id" in columns else "(row_number() over ())::varchar"
        query = f"select {sample_id} as sample_id, prompt, response from {mart} order by sample_id" + (
            f" limit {int(limit)}" if limit else ""
        )
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def data_fingerprint(rows: list[dict]) -> str:
    """sha256 over each row's sample_id, prompt and response, in order."""
    digest = hashlib.sha256()
    for row in rows:
        for key in ("sample_id", "prompt", "response"):
            digest.update(str(row.get(key, "")).encode("utf-8"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass
class EncodedData:
    examples: list[Example]
    n_dropped_over_length: int = 0
    dropped_ids: list[str] = field(default_factory=list)

    @property
    def lengths(self) -> list[int]:
        return [len(e) for e in self.examples]


def make_example(prompt_ids: list[int], response_ids: list[int], eos_token_id: int) -> Example:
    response_ids = list(response_ids) + [eos_token_id]
    return Example(input_ids=list(prompt_ids) + response_ids, labels=[IGNORE_INDEX] * len(prompt_ids) + response_ids)


def encode_sample(tokenizer, prompt: str, response: str) -> Example:
    """prompt_ids + response_ids + [eos], labels masked (-100) on the prompt.

    The prompt gets the tokenizer's special prefix (a BOS, for tokenizers that add one); the
    response is tokenised on its own, so the prompt/response boundary is exact."""
    return make_example(
        tokenizer(prompt, add_special_tokens=True)["input_ids"],
        tokenizer(response, add_special_tokens=False)["input_ids"],
        tokenizer.eos_token_id,
    )


def encode_rows(tokenizer, rows: list[dict], max_length: int, chunk_size: int = 1024) -> EncodedData:
    """Tokenises every row (as encode_sample does, in batches); rows longer than max_length are
    dropped and counted, never truncated."""
    data = EncodedData(examples=[])
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        prompts = tokenizer([r["prompt"] for r in chunk], add_special_tokens=True)["input_ids"]
        responses = tokenizer([r["response"] for r in chunk], add_special_tokens=False)["input_ids"]
        for row, prompt_ids, response_ids in zip(chunk, prompts, responses):
            example = make_example(prompt_ids, response_ids, tokenizer.eos_token_id)
            if len(example) > max_length:
                data.n_dropped_over_length += 1
                data.dropped_ids.append(str(row.get("sample_id", "")))
            else:
                data.examples.append(example)
    return data


def length_grouped_batches(
    lengths: list[int], batch_size: int, seed: int, mega_batch_factor: int = 50
) -> list[list[int]]:
    """Index batches: shuffle, cut into mega-batches of batch_size * mega_batch_factor, sort each by
    length and slice into batches, then shuffle the batches. The batch holding the longest sample
    goes first, so an out-of-memory shows up on the first step rather than hours in."""
    order = list(range(len(lengths)))
    random.Random(seed).shuffle(order)
    mega = batch_size * mega_batch_factor
    batches = []
    for start in range(0, len(order), mega):
        chunk = sorted(order[start : start + mega], key=lambda i: -lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    random.Random(seed + 1).shuffle(batches)  # similar lengths inside a batch, not across steps
    if batches:
        longest = max(range(len(batches)), key=lambda b: max(lengths[i] for i in batches[b]))
        batches[0], batches[longest] = batches[longest], batches[0]
    return batches


def collate(examples: list[Example], pad_token_id: int) -> dict:
    """Right-padded input_ids / attention_mask / labels tensors (labels -100 on padding)."""
    import torch

    width = max(len(e) for e in examples)
    input_ids = torch.full((len(examples), width), pad_token_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, example in enumerate(examples):
        n = len(example)
        input_ids[row, :n] = torch.tensor(example.input_ids)
        labels[row, :n] = torch.tensor(example.labels)
        attention_mask[row, :n] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
