"""Exact token counts for GPT-2-style byte-level BPE tokenizers, in numba.

Hugging Face `tokenizers` counts ~12k texts/s on two cores here, and tiktoken (which we used
before) ~65k texts/s on one, holding the GIL between texts. This package does what `tokenizers`
does for a byte-level BPE `tokenizer.json`, step by step, without the GIL:

1. the optional Digits(individual_digits) pre-tokenizer isolates every number character;
2. the ByteLevel pre-tokenizer's GPT-2 regex splits each segment into pieces
   (`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`);
3. each piece's UTF-8 bytes go through BPE with the model's merges, lowest rank first and the
   leftmost on ties, as `tokenizers`' `Word::merge_all` does. The number of symbols left is the
   piece's token count.

A piece's count depends only on its bytes, so counts are cached per piece (one cache per thread:
DuckDB calls a UDF from several threads at once). Added tokens are not handled here: the caller
counts texts that hold one with `tokenizers` itself. `build_counter` returns None for
tokenizers this does not describe.

Modules: tables.py (a tokenizer.json's tables), pretokenize.py (steps 1-2 and the batch loop),
merge.py (step 3), piece_cache.py (the per-thread cache), counter.py (`BpeCounter` and its makers).
"""

from udfs.bpe_count.counter import BpeCounter, build_counter, load_counter
from udfs.bpe_count.tables import BpeTables, build_tables

__all__ = ["BpeCounter", "BpeTables", "build_counter", "build_tables", "load_counter"]
