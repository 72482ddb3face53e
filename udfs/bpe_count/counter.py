"""`BpeCounter`: counts the tokens of Arrow string arrays with the tables of one tokenizer, and the
ways to get one (from a parsed tokenizer.json, or from the file with its tables cached on disk)."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa

from udfs.arrow_text import string_array, utf8_buffers
from udfs.bpe_count import merge
from udfs.bpe_count import tables as tables_module
from udfs.bpe_count.piece_cache import CACHE_ARENA_BYTES, CACHE_SLOTS, PieceCache
from udfs.bpe_count.pretokenize import count_batch
from udfs.bpe_count.tables import BpeTables, build_tables

# the code the cached tables are built by (the merge table's slot layout is merge.py's)
TABLE_SOURCES = (Path(tables_module.__file__), Path(merge.__file__))


class BpeCounter:
    """Counts tokens of Arrow string arrays; null in, null out."""

    def __init__(
        self,
        tables: BpeTables,
        cache_slots: int = CACHE_SLOTS,
        cache_arena_bytes: int = CACHE_ARENA_BYTES,
        added_tokens: tuple[str, ...] = (),
    ):
        if cache_slots & (cache_slots - 1):
            raise ValueError(f"cache_slots must be a power of two, not {cache_slots}")
        self.tables = tables
        self.added_tokens = added_tokens  # texts holding one are not this counter's to count
        self.cache_sizes = (cache_slots, cache_arena_bytes)
        self.cache = PieceCache(*self.cache_sizes)  # one per thread

    def clear_cache(self) -> None:
        """Forget the cached piece counts (benchmarks time a cold start with this)."""
        self.cache = PieceCache(*self.cache_sizes)

    def count(self, texts: pa.Array) -> pa.Array:
        texts = string_array(texts)
        data, offsets = utf8_buffers(texts)
        valid = texts.is_valid().to_numpy(zero_copy_only=False)
        out = np.zeros(len(texts), dtype=np.int64)
        t, c = self.tables, self.cache
        count_batch(
            data,
            offsets,
            valid,
            t.char_kind,
            t.split_digits,
            t.byte_ids,
            t.merge_keys,
            t.merge_ranks,
            t.merge_ids,
            c.hashes,
            c.offsets,
            c.counts,
            c.arena,
            c.fill,
            out,
        )
        return pa.array(out, mask=~valid)


def build_counter(spec: dict, **cache_sizes) -> BpeCounter | None:
    """A counter for a parsed tokenizer.json, or None when it is not plain byte-level BPE."""
    tables = build_tables(spec)
    if tables is None:
        return None
    added = tuple(token["content"] for token in spec.get("added_tokens", []))
    return BpeCounter(tables, added_tokens=added, **cache_sizes)


def load_counter(tokenizer_json: Path) -> BpeCounter | None:
    """build_counter for a tokenizer.json file; its tables are cached on disk (building them takes
    ~0.5 s), keyed by the file's bytes, the code that builds them and Python's Unicode version."""
    from sftmart.paths import cache_dir, load_or_build_arrays

    raw = tokenizer_json.read_bytes()
    code = b"".join(path.read_bytes() for path in TABLE_SOURCES)
    key = hashlib.sha256(raw + code + unicodedata.unidata_version.encode())

    def build() -> dict:
        spec = json.loads(raw)
        tables = build_tables(spec)
        added = np.array([token["content"] for token in spec.get("added_tokens", [])], dtype=np.str_)
        usable = {"usable": np.array(tables is not None), "added_tokens": added}
        return usable if tables is None else {**usable, **tables._asdict()}

    stored = load_or_build_arrays(cache_dir() / "bpe_count" / f"tables-{key.hexdigest()[:16]}.npz", build)
    if not stored["usable"]:
        return None
    arrays = {name: stored[name] for name in BpeTables._fields}
    tables = BpeTables(**{**arrays, "split_digits": bool(arrays["split_digits"])})
    return BpeCounter(tables, added_tokens=tuple(str(t) for t in stored["added_tokens"]))
