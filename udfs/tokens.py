"""Token counting with a local Hugging Face tokenizer, batched through the Rust `tokenizers` library."""
from __future__ import annotations

from functools import lru_cache

import pyarrow as pa

from sftmart.hf_assets import resolve_tokenizer_dir


@lru_cache(maxsize=4)
def load_tokenizer(spec: str):
    directory = resolve_tokenizer_dir(spec)
    tokenizer_json = directory / "tokenizer.json"
    if tokenizer_json.exists():
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(tokenizer_json))
    from transformers import AutoTokenizer  # slow tokenizers (sentencepiece only) still work

    return AutoTokenizer.from_pretrained(str(directory), trust_remote_code=False).backend_tokenizer


def token_counts(texts: list[str], spec: str = "default") -> list[int]:
    """Tokens per text, without special tokens (the chat/bos tokens are a training-time concern)."""
    encodings = load_tokenizer(spec).encode_batch_fast(texts, add_special_tokens=False)
    return [len(e.ids) for e in encodings]


def count_tokens(texts: pa.Array, specs: pa.Array) -> pa.Array:
    values = texts.to_pylist()
    spec = specs[0].as_py() if len(specs) else "default"
    present = [i for i, v in enumerate(values) if v is not None]
    counts: list = [None] * len(values)
    for i, n in zip(present, token_counts([values[i] for i in present], spec or "default")):
        counts[i] = n
    return pa.array(counts, pa.int64())
