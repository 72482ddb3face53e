"""Arrow string arrays as raw UTF-8 for the numba kernels of every text UDF.

On the Python side: one plain `pa.string()` array out of whatever a caller passes, its data bytes
and row offsets without a copy, and its validity as a numpy mask. Inside kernels: decoding and
encoding one code point of valid UTF-8 (Arrow guarantees its strings are valid).

numba's on-disk cache keys a kernel by its own source file only: after editing a helper here, clear
the caches of the kernels in other files that use it (`find udfs -name '*.nb[ic]' -delete`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit


def string_array(values) -> pa.StringArray:
    """values as one plain `pa.string()` array: an Arrow array of any string-like type (large,
    dictionary-encoded, chunked) or a sequence of str/None."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), type=pa.string())
    if values.type != pa.string():
        values = values.cast(pa.string())
    return values


def utf8_buffers(texts: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """(data bytes, int64 offsets of each row into them) of a `string_array`, honouring its slice
    offset; the data is never empty (kernels may take its address)."""
    _, offsets_buffer, data_buffer = texts.buffers()
    if offsets_buffer is None or len(texts) == 0:
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    else:
        offsets = np.frombuffer(offsets_buffer, dtype=np.int32)
        offsets = offsets[texts.offset : texts.offset + len(texts) + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else None
    if data is None or len(data) == 0:
        data = np.zeros(1, dtype=np.uint8)
    return data, offsets


def valid_mask(texts: pa.Array) -> np.ndarray:
    """True for each non-null row."""
    if not texts.null_count:
        return np.ones(len(texts), dtype=np.bool_)
    return texts.is_valid().to_numpy(zero_copy_only=False)


@njit(cache=True, inline="always")
def next_code_point(data, i):
    """(code point starting at data[i] in valid UTF-8, index of the next one)."""
    b = np.uint32(data[i])
    if b < 0x80:
        return b, i + 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (np.uint32(data[i + 1]) & 0x3F), i + 2
    if b < 0xF0:
        return (((b & 0x0F) << 12) | ((np.uint32(data[i + 1]) & 0x3F) << 6) | (np.uint32(data[i + 2]) & 0x3F)), i + 3
    return (
        ((b & 0x07) << 18)
        | ((np.uint32(data[i + 1]) & 0x3F) << 12)
        | ((np.uint32(data[i + 2]) & 0x3F) << 6)
        | (np.uint32(data[i + 3]) & 0x3F)
    ), i + 4


@njit(cache=True)
def decode_utf8(data, start, end, out):
    """Decode valid UTF-8 data[start:end] into code points in out; returns how many."""
    n = 0
    i = start
    while i < end:
        out[n], i = next_code_point(data, i)
        n += 1
    return n


@njit(cache=True, nogil=True)
def encode_utf8(cp, out, n):
    """Write code point cp as UTF-8 at out[n]; returns the index after it."""
    if cp < 0x80:
        out[n] = cp
        return n + 1
    if cp < 0x800:
        out[n] = 0xC0 | (cp >> 6)
        out[n + 1] = 0x80 | (cp & 0x3F)
        return n + 2
    if cp < 0x10000:
        out[n] = 0xE0 | (cp >> 12)
        out[n + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[n + 2] = 0x80 | (cp & 0x3F)
        return n + 3
    out[n] = 0xF0 | (cp >> 18)
    out[n + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[n + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[n + 3] = 0x80 | (cp & 0x3F)
    return n + 4
