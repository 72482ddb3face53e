"""Hashed n-gram features for DSIR (Xie et al. 2023, "Data Selection for Language Models via
Importance Resampling"): the DuckDB arrow UDF `sftmart_dsir_ngram_buckets(text)`.

A text's features are the hash buckets of its unigrams and bigrams, exactly as the authors'
package `data-selection` (`data_selection.hashed_ngram_dsir.get_ngram_counts`, n=2) makes them:
the text is lowercased (Python's str.lower), split into word runs and runs of other non-space
characters (nltk's WordPunctTokenizer, `\\w+|[^\\w\\s]+`, whose `\\w` is the `regex` module's:
letters, marks, decimal and letter numbers, connector punctuation, joiners), and every unigram `w` and bigram `w1 + ' ' + w2` goes to
bucket `int(sha256(utf-8).hexdigest(), 16) % NUM_BUCKETS`.

Chinese has no spaces, so a word run of Chinese would be a whole clause: here every Han character
is a token of its own (character unigrams and bigrams), whatever the row's language tag. Text
without Han characters gets the package's features bucket for bucket.

The lowercasing, splitting and hashing are one numba pass (udfs/dsir_hash.py); this module hands
it Arrow buffers, lowercases in Python the few texts whose lowercase needs context, and keeps one
set of tables per calling thread. The counting and the weights are SQL over this UDF's output (the
int_dsir_* models).
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from udfs import dsir_hash
from udfs.arrow_text import string_array, utf8_buffers, valid_mask

NUM_BUCKETS = 10000  # the package's default num_buckets
RESULT_TYPE = pa.list_(pa.uint32())

# RE2 (Arrow) spelling of nltk's `\w` (the `regex` module's Unicode word characters).
_WORD_RUN = r"([\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}]+)"
_HAN_CHAR = r"(\p{Han})"


def bucket(ngram: str) -> int:
    """The package's hash_buckets(ngram, NUM_BUCKETS)."""
    return int.from_bytes(hashlib.sha256(ngram.encode("utf-8")).digest(), "big") % NUM_BUCKETS


# DuckDB calls the UDF from several threads at once: each thread has its own tables, so the
# kernels (which release the GIL) run side by side
_local = threading.local()


def _lowered_by_python(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """texts with those whose lowercase needs Python (dsir_hash.CONTEXT_LOWER) lowercased, and a
    mask of them."""
    special = pc.fill_null(pc.match_substring_regex(texts, f"[{dsir_hash.CONTEXT_LOWER}]"), False)
    if not pc.any(special).as_py():
        return texts, np.zeros(len(texts), dtype=np.bool_)
    lowered = [t.lower() for t in texts.filter(special).to_pylist()]
    texts = pc.replace_with_mask(texts, special, pa.array(lowered, pa.string()))
    return texts, special.to_numpy(zero_copy_only=False)


def _run(texts: pa.Array, lowered: np.ndarray, cache: list) -> pa.Array:
    data, offsets = utf8_buffers(texts)
    out = np.empty(2 * int(offsets[-1] - offsets[0]) + 1, dtype=np.uint32)
    out_offsets = np.zeros(len(texts) + 1, dtype=np.int32)
    char_class, lowercase = dsir_hash.tables(_WORD_RUN, _HAN_CHAR)
    valid, row = valid_mask(texts), 0
    cache[0][3] = 0
    while True:
        row = dsir_hash.bucket_batch(
            data, offsets, valid, lowered, char_class, lowercase, NUM_BUCKETS, tuple(cache), row, out, out_offsets
        )
        if row == len(texts):
            break
        dsir_hash.make_room(cache, int(offsets[row + 1] - offsets[row]))
    values = pa.array(out[: cache[0][3]], pa.uint32())
    return pa.ListArray.from_arrays(pa.array(out_offsets), values, mask=texts.is_null())


def ngram_buckets(texts: pa.Array) -> pa.Array:
    """list<uint32> per text: the bucket of each of its unigrams, then of each of its bigrams
    (one entry per occurrence; null text -> null)."""
    texts = string_array(texts)
    texts, lowered = _lowered_by_python(texts)
    if getattr(_local, "cache", None) is None:
        _local.cache = dsir_hash.new_cache()
    return _run(texts, lowered, _local.cache)
