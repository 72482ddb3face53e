"""Token counting with a local Hugging Face tokenizer.

GPT-2-style byte-level BPE tokenizers are counted with an equivalent tiktoken encoder (see
udfs/bpe_fast.py), checked against `tokenizers` on probe strings when loaded; any other tokenizer
is counted with the Rust `tokenizers` library directly.
"""
from __future__ import annotations

import json
import logging
import re
from functools import lru_cache

import pyarrow as pa

from sftmart.hf_assets import resolve_tokenizer_dir
from udfs.bpe_fast import build_fast_encoder

log = logging.getLogger(__name__)
PROBES = [
    "Hello world", "a  1", "x 12  34\n\n 5", "  1 ", "价格是 3,450 元。", "'1 's 9' don't", "\t\t7",
    "١٢٣ ½ ²", "def f(x):\n    return x ** 2\n", "Ünïcödé — “quotes” ‘single’ … 🙂", "<|im_end|> 12",
    "multiple   spaces   here  ", "\n\n\n", "",
]


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
def fast_encoder(spec: str):
    """An exact tiktoken encoder for the tokenizer, or None (then `tokenizers` counts)."""
    tokenizer = load_tokenizer(spec)
    encoder = build_fast_encoder(json.loads(tokenizer.to_str()))
    if encoder is None:
        return None
    expected = [len(e.ids) for e in tokenizer.encode_batch(PROBES, add_special_tokens=False)]
    if [len(encoder.encode(p, allowed_special="all")) for p in PROBES] != expected:
        log.warning("tiktoken fast path disagrees with tokenizers for %s; using tokenizers", spec)
        return None
    return encoder


@lru_cache(maxsize=4)
def special_token_pattern(spec: str) -> re.Pattern:
    """Matches any added (special) token of the tokenizer; never matches when it has none."""
    specials = sorted(fast_encoder(spec).special_tokens_set, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, specials)) if specials else r"(?!)")


def token_counts(texts: list[str], spec: str = "default") -> list[int]:
    """Tokens per text, without special tokens added (chat/bos tokens are a training-time concern)."""
    encoder = fast_encoder(spec)
    if encoder is not None:
        specials = special_token_pattern(spec)
        # encode_ordinary is the cheaper call; a text holding a special token needs encode
        return [len(encoder.encode(text, allowed_special="all")) if specials.search(text)
                else len(encoder.encode_ordinary(text)) for text in texts]
    encodings = load_tokenizer(spec).encode_batch_fast(texts, add_special_tokens=False)
    return [len(e.ids) for e in encodings]


def count_tokens(texts: pa.Array, specs: pa.Array) -> pa.Array:
    values = texts.to_pylist()
    spec = (specs[0].as_py() if len(specs) else None) or "default"
    present = [i for i, v in enumerate(values) if v is not None]
    counts: list = [None] * len(values)
    for i, n in zip(present, token_counts([values[i] for i in present], spec)):
        counts[i] = n
    return pa.array(counts, pa.int64())
