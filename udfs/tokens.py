"""Token counting with a local Hugging Face tokenizer.

Byte-level BPE tokenizers (GPT-2, SmolLM, many Llama-3-era vocabularies) are counted by the numba
port of their pre-tokenizer and merges in udfs/bpe_count/, which gives `tokenizers`' counts
exactly; texts that hold an added token (e.g. `<|im_end|>`), and any other kind of tokenizer, are
counted by the Rust `tokenizers` library itself.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from sftmart.hf_assets import resolve_tokenizer_dir
from udfs.arrow_text import string_array
from udfs.bpe_count import BpeCounter, load_counter


@lru_cache(maxsize=4)
def load_tokenizer(spec: str):
    """The `tokenizers.Tokenizer` for a tokenizer spec ('default' or a local path)."""
    directory = resolve_tokenizer_dir(spec)
    tokenizer_json = directory / "tokenizer.json"
    if tokenizer_json.exists():
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(tokenizer_json))
    from transformers import AutoTokenizer  # sentencepiece-only directories still work

    return AutoTokenizer.from_pretrained(str(directory), trust_remote_code=False).backend_tokenizer


@lru_cache(maxsize=4)
def bpe_counter(spec: str) -> BpeCounter | None:
    """The numba counter for a byte-level BPE tokenizer, or None (then `tokenizers` counts)."""
    tokenizer_json = resolve_tokenizer_dir(spec) / "tokenizer.json"
    return load_counter(tokenizer_json) if tokenizer_json.exists() else None


@lru_cache(maxsize=4)
def added_token_pattern(spec: str) -> str | None:
    """A regex (RE2) matching any added token of the tokenizer's counter, or None when it has none."""
    counter = bpe_counter(spec)
    contents = sorted(set(counter.added_tokens), key=len, reverse=True) if counter else []
    return "|".join(map(re.escape, contents)) if contents else None


def _counted_by_tokenizers(texts: pa.StringArray, spec: str) -> list:
    values = texts.to_pylist()
    present = [t for t in values if t is not None]
    encodings = iter(load_tokenizer(spec).encode_batch_fast(present, add_special_tokens=False))
    return [None if t is None else len(next(encodings).ids) for t in values]


def count_tokens(texts: pa.Array, specs: pa.Array) -> pa.Array:
    """Tokens per text, without special tokens added (chat/bos tokens are a training-time concern)."""
    texts = string_array(texts)
    spec = (specs[0].as_py() if len(specs) else None) or "default"
    counter = bpe_counter(spec)
    if counter is None:
        return pa.array(_counted_by_tokenizers(texts, spec), pa.int64())
    counts = counter.count(texts)
    pattern = added_token_pattern(spec)
    holds_added = pc.fill_null(pc.match_substring_regex(texts, pattern), False) if pattern else None
    if holds_added is None or not pc.any(holds_added).as_py():
        return counts
    # tokenizers splits added tokens out before pre-tokenizing; let it count those (rare) texts
    rows = pc.indices_nonzero(holds_added)
    recounted = _counted_by_tokenizers(texts.take(rows), spec)
    merged = counts.to_pylist()
    for row, n in zip(rows.to_pylist(), recounted):
        merged[row] = n
    return pa.array(merged, pa.int64())


def token_counts(texts: list[str], spec: str = "default") -> list[int]:
    return count_tokens(pa.array(texts, pa.string()), pa.array([spec])).to_pylist()


@lru_cache(maxsize=4)
def training_overhead(spec: str) -> int:
    """Tokens training adds to a sample beyond its prompt and response as counted here: the special
    tokens the tokenizer puts around a prompt (training/data.py encodes the prompt with
    add_special_tokens=True, e.g. a BOS) and the end-of-sequence token it appends to the response."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(resolve_tokenizer_dir(spec)), trust_remote_code=False)
    return len(tokenizer("", add_special_tokens=True)["input_ids"]) + 1


def training_overheads(specs: pa.Array) -> pa.Array:
    """training_overhead of each tokenizer spec ('default' or a local path)."""
    return pa.array([None if s is None else training_overhead(s or "default") for s in specs.to_pylist()], pa.int64())
