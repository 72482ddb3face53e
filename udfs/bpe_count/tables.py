"""The tables of a byte-level BPE `tokenizer.json`: each code point's kind, each byte's token, and the
merges; `build_tables` returns None for tokenizers this port does not describe.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from udfs.bpe_count.merge import EMPTY, fill_merges
from udfs.bpe_count.pretokenize import LETTER, NUMBER, OTHER, SPACE

# Unicode White_Space: what the byte-level regex's \s matches (Python's str.isspace differs).
WHITE_SPACE = (
    list(range(0x09, 0x0E))
    + [0x20, 0x85, 0xA0, 0x1680]
    + list(range(0x2000, 0x200B))
    + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
)


class BpeTables(NamedTuple):
    char_kind: np.ndarray  # uint8[0x110000]: LETTER, NUMBER, SPACE or OTHER
    byte_ids: np.ndarray  # int32[256]: token id of each byte's single-character token, or EMPTY
    merge_keys: np.ndarray  # int64[slots]: left_id << 32 | right_id, or EMPTY
    merge_ranks: np.ndarray  # int32[slots]
    merge_ids: np.ndarray  # int32[slots]: the merged token's id
    split_digits: bool


@lru_cache(maxsize=1)
def char_kinds() -> np.ndarray:
    kinds = np.array([unicodedata.category(chr(c))[0] for c in range(0x110000)])
    table = np.full(0x110000, OTHER, dtype=np.uint8)
    table[kinds == "L"] = LETTER
    table[kinds == "N"] = NUMBER
    table[WHITE_SPACE] = SPACE
    return table


def byte_level_steps(pre_tokenizer: dict | None) -> bool | None:
    """True: Digits(individual) then ByteLevel; False: ByteLevel alone; None: neither."""

    def is_byte_level(step):
        return step.get("type") == "ByteLevel" and step.get("use_regex", True) and not step.get("add_prefix_space")

    if not pre_tokenizer:
        return None
    if is_byte_level(pre_tokenizer):
        return False
    steps = pre_tokenizer.get("pretokenizers", []) if pre_tokenizer.get("type") == "Sequence" else []
    if (
        len(steps) == 2
        and steps[0].get("type") == "Digits"
        and steps[0].get("individual_digits")
        and is_byte_level(steps[1])
    ):
        return True
    return None


@lru_cache(maxsize=1)
def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map used by byte-level BPE vocabularies."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes)))


def merge_table(vocab: dict[str, int], merges: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = [merge.split(" ") if isinstance(merge, str) else merge for merge in merges]
    pair_keys = np.array([(vocab[left] << 32) | vocab[right] for left, right in pairs], dtype=np.int64)
    merged_ids = np.array([vocab[left + right] for left, right in pairs], dtype=np.int32)
    slots = 1 << max(10, (2 * len(pairs)).bit_length())
    keys = np.full(slots, EMPTY, dtype=np.int64)
    ranks = np.zeros(slots, dtype=np.int32)
    ids = np.zeros(slots, dtype=np.int32)
    fill_merges(keys, ranks, ids, pair_keys, merged_ids)
    return keys, ranks, ids


def build_tables(spec: dict) -> BpeTables | None:
    """Tables for a parsed tokenizer.json, or None when it is not plain byte-level BPE."""
    model = spec.get("model", {})
    split_digits = byte_level_steps(spec.get("pre_tokenizer"))
    plain_bpe = (
        model.get("type") == "BPE"
        and not model.get("byte_fallback")
        and not model.get("dropout")
        and not model.get("continuing_subword_prefix")
        and not model.get("end_of_word_suffix")
        and not model.get("ignore_merges")
    )
    if not plain_bpe or spec.get("normalizer") or split_digits is None:
        return None
    vocab = model["vocab"]
    characters = byte_to_unicode()
    # a byte without a token is dropped from the word, as tokenizers does without unk/byte fallback
    byte_ids = np.array([vocab.get(characters[b], EMPTY) for b in range(256)], dtype=np.int32)
    keys, ranks, ids = merge_table(vocab, model["merges"])
    return BpeTables(char_kinds(), byte_ids, keys, ranks, ids, split_digits)
