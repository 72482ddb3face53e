"""`exact_keys(texts)`: the exact-dedup key of each text, its letters and digits lowercased."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from udfs.arrow_text import encode_utf8, next_code_point, string_array, utf8_buffers
from udfs.text_stats.charsets import ALNUM
from udfs.text_stats.tables import tables


@njit(cache=True, nogil=True)
def _exact_keys(data, offsets, char_class, lowercase, out, out_offsets):
    """UTF-8 of each row's lowercased alphanumeric code points into out; out_offsets[r + 1] is
    where row r's key ends."""
    n = 0
    for r in range(len(offsets) - 1):
        i, end = offsets[r], offsets[r + 1]
        while i < end:
            cp, i = next_code_point(data, i)
            if char_class[cp] & ALNUM:
                n = encode_utf8(np.uint32(lowercase[cp]), out, n)
        out_offsets[r + 1] = n


def exact_keys(texts: pa.Array) -> pa.StringArray:
    """The exact-dedup key of each text: its alphanumeric characters (str.isalnum), lowercased
    one code point at a time (U+0130 stays itself), concatenated. Null stays null."""
    texts = string_array(texts)
    lookup = tables()
    data, offsets = utf8_buffers(texts)

    # lowercasing grows a code point's UTF-8 by at most one byte (U+023A -> U+2C65)
    out = np.empty(max(1, 2 * int(offsets[-1] - offsets[0])), dtype=np.uint8)
    out_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    _exact_keys(data, offsets, lookup.char_class, lookup.lowercase, out, out_offsets)
    keys = pa.Array.from_buffers(
        pa.large_string(), len(texts), [None, pa.py_buffer(out_offsets), pa.py_buffer(out[: out_offsets[-1]])]
    )
    return pc.if_else(texts.is_valid(), keys, None) if texts.null_count else keys
