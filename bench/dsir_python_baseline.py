"""The DSIR features UDF as it was before udfs/dsir_hash.py (Arrow regex split, Python hashlib
sha256 per new n-gram, a dict per distinct bigram): bench/bench_dsir.py's same-run baseline. Same
buckets as udfs.dsir.ngram_buckets."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NUM_BUCKETS = 10000  # the package's default num_buckets
RESULT_TYPE = pa.list_(pa.uint32())

# RE2 (Arrow) spelling of nltk's `\w` (the `regex` module's Unicode word characters).
_WORD_RUN = r"([\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}]+)"
_HAN_CHAR = r"(\p{Han})"
_CACHE_LIMIT = 2_000_000  # bigrams whose bucket is kept across calls (Zipf: most repeat)


def bucket(ngram: str) -> int:
    """The package's hash_buckets(ngram, NUM_BUCKETS)."""
    return int.from_bytes(hashlib.sha256(ngram.encode("utf-8")).digest(), "big") % NUM_BUCKETS


class _Seen:
    """What earlier calls hashed: a global id and bucket per token, a bucket per pair of ids."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self.word_buckets = np.zeros(0, dtype=np.uint32)
        self.pairs: dict[int, int] = {}

    def token_ids(self, words: list[str]) -> np.ndarray:
        if len(self.pairs) > _CACHE_LIMIT:
            self.__init__()
        new = [w for w in dict.fromkeys(words) if w not in self.ids]
        for w in new:
            self.ids[w] = len(self.words)
            self.words.append(w)
        if new:
            added = np.fromiter((bucket(w) for w in new), dtype=np.uint32, count=len(new))
            self.word_buckets = np.concatenate([self.word_buckets, added])
        return np.fromiter((self.ids[w] for w in words), dtype=np.int64, count=len(words))

    def pair_buckets(self, keys: np.ndarray) -> np.ndarray:
        """Buckets of the bigrams `first id << 32 | second id`."""
        pairs, words = self.pairs, self.words
        out = []
        for key in keys.tolist():
            found = pairs.get(key)
            if found is None:
                found = pairs[key] = bucket(words[key >> 32] + " " + words[key & 0xFFFFFFFF])
            out.append(found)
        return np.array(out, dtype=np.uint32)


_seen = _Seen()
_seen_lock = threading.Lock()  # DuckDB calls the UDF from several threads at once


def tokens(texts: pa.Array) -> pa.ListArray:
    """Per text its tokens (lowercased word runs, other non-space runs, Han characters alone)."""
    # Arrow's lowercasing equals Python's on ASCII; other texts take Python's (İ, final sigma, ...)
    other = pc.invert(pc.fill_null(pc.string_is_ascii(texts), True))
    lowered = pc.utf8_lower(texts)
    if pc.any(other).as_py():
        python_lower = [t.lower() for t in texts.filter(other).to_pylist()]
        lowered = pc.replace_with_mask(lowered, other, pa.array(python_lower, pa.string()))
    spaced = pc.replace_substring_regex(lowered, _WORD_RUN, r" \1 ")
    spaced = pc.replace_substring_regex(spaced, _HAN_CHAR, r" \1 ")
    return pc.utf8_split_whitespace(pc.utf8_trim_whitespace(spaced))


def ngram_buckets(texts: pa.Array) -> pa.Array:
    """list<uint32> per text: the bucket of each of its unigrams, then of each of its bigrams
    (one entry per occurrence; null text -> null)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if texts.type != pa.string():
        texts = texts.cast(pa.string())
    rows = len(texts)
    lists = tokens(texts)
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy()
    kept = pc.not_equal(flat, "")  # an empty or all-space text splits into one empty string
    flat, parent = flat.filter(kept), parent[kept.to_numpy(zero_copy_only=False)]
    encoded = pc.dictionary_encode(flat)
    words, codes = encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)
    same_row = parent[:-1] == parent[1:]
    with _seen_lock:
        ids = _seen.token_ids(words)[codes]
        unigram = _seen.word_buckets[ids]
        unique_pairs, inverse = np.unique((ids[:-1][same_row] << 32) | ids[1:][same_row], return_inverse=True)
        bigram = _seen.pair_buckets(unique_pairs)[inverse.reshape(-1)]

    row_of = np.concatenate([parent, parent[:-1][same_row]])
    values = np.concatenate([unigram, bigram])[np.argsort(row_of, kind="stable")]
    offsets = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(np.bincount(row_of, minlength=rows), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.uint32()), mask=texts.is_null())
