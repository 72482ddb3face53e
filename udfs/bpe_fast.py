"""An exact, faster token counter for GPT-2-style byte-level BPE tokenizers, built on tiktoken.

Hugging Face's `tokenizers` runs at ~12k texts/s on two cores here; tiktoken's encoder gives
the same token ids at ~75k texts/s on one. It applies to tokenizer.json files whose model is BPE
with byte-level pre-tokenization (optionally after splitting digits one by one) and no normalizer,
which covers GPT-2, SmolLM and many Llama-3-era vocabularies. `build_fast_encoder` returns None
for anything else, and the caller keeps using `tokenizers`.
"""
from __future__ import annotations

from functools import lru_cache

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# Digits first, then the GPT-2 regex inside each non-digit piece, as one regex: a number character
# is its own piece, and whitespace right before one ends its piece (so it is taken whole).
DIGITS_THEN_GPT2_PATTERN = (
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?[^\s\p{L}\p{N}]+|\p{N}|\s+(?=\p{N})|\s+(?!\S)|\s+""")


@lru_cache(maxsize=1)
def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map used by byte-level BPE vocabularies."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    codes, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes)))


def pattern_for(pre_tokenizer: dict | None) -> str | None:
    def is_byte_level(step):
        return step.get("type") == "ByteLevel" and step.get("use_regex", True) and not step.get("add_prefix_space")

    if not pre_tokenizer:
        return None
    if is_byte_level(pre_tokenizer):
        return GPT2_PATTERN
    steps = pre_tokenizer.get("pretokenizers", []) if pre_tokenizer.get("type") == "Sequence" else []
    if (len(steps) == 2 and steps[0].get("type") == "Digits" and steps[0].get("individual_digits")
            and is_byte_level(steps[1])):
        return DIGITS_THEN_GPT2_PATTERN
    return None


def merge_ranks(merges: list) -> dict[bytes, int]:
    """Byte strings ranked by merge priority: single bytes first, then each merge's result."""
    to_byte = {char: byte for byte, char in byte_to_unicode().items()}
    ranks = {bytes([b]): b for b in range(256)}
    for index, merge in enumerate(merges):
        left, right = merge.split(" ") if isinstance(merge, str) else merge
        ranks.setdefault(bytes(to_byte[c] for c in left + right), 256 + index)
    return ranks


def build_fast_encoder(spec: dict):
    """A tiktoken Encoding equivalent to the tokenizer.json `spec`, or None when it does not apply."""
    model = spec.get("model", {})
    pattern = pattern_for(spec.get("pre_tokenizer"))
    if model.get("type") != "BPE" or spec.get("normalizer") or pattern is None or model.get("byte_fallback"):
        return None
    try:
        import tiktoken
    except ImportError:
        return None
    specials = {t["content"]: 1_000_000_000 + i for i, t in enumerate(spec.get("added_tokens", []))}
    return tiktoken.Encoding("sftmart-bpe", pat_str=pattern, mergeable_ranks=merge_ranks(model["merges"]),
                             special_tokens=specials)
