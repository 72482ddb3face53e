"""MinHash signatures of Arrow texts, bit-for-bit equal to datasketch's.

``signatures(texts, langs, num_perm, seed, n, hashfunc, scheme)`` equals
``datasketch.MinHash(num_perm, seed=seed, hashfunc=H, scheme=scheme)`` updated with the same shingles
(udfs/minhash/shingles.py), where H is ``xxhash.xxh32_intdigest(b, seed=0)`` for ``hashfunc='xxh32'``
(default; one fused numba kernel tokenises, hashes, deduplicates and permutes each document) or
datasketch's own default ``datasketch.hashfunc.sha1_hash32`` for ``hashfunc='sha1'`` (hashed in
Python; only the permutations are vectorised). A Python callable ``bytes -> int`` is also accepted.
The schemes are udfs/minhash/permutations.py's. The signature is the minimum over the document's
shingles; a document without shingles (or a null text) keeps the initial value 2**32 - 1 everywhere.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence

import numba as nb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from udfs.arrow_text import string_array, utf8_buffers, valid_mask
from udfs.minhash.permutations import SCHEME_CODE, SCHEMES, apply_unique, permutations
from udfs.minhash.shingles import shingles
from udfs.minhash.xxh32 import xxh32_slice

TextsLike = pa.Array | pa.ChunkedArray | Sequence[str]


@nb.njit(inline="always")
def _is_ascii_ws(c):
    return c == 32 or (9 <= c <= 13)


@nb.njit(cache=True, nogil=True)
def _signatures_xxh32(data, offsets, valid, is_zh, n, scheme, a32, b32, a64, b64, out):
    """Fused tokenise -> xxh32 -> unique -> permute -> min, one document at a time."""
    rows = offsets.shape[0] - 1
    maxlen = 0
    for i in range(rows):
        ln = offsets[i + 1] - offsets[i]
        if ln > maxlen:
            maxlen = ln
    norm = np.empty(maxlen + 1, np.uint8)  # text with whitespace collapsed / removed
    tstart = np.empty(maxlen + 1, np.int64)  # token (word or code point) starts in norm
    tend = np.empty(maxlen + 1, np.int64)  # token ends in norm
    hashes = np.empty(maxlen + 1, np.uint64)
    num_perm = out.shape[1]
    for i in range(rows):
        sig = out[i]
        for k in range(num_perm):
            sig[k] = np.uint32(0xFFFFFFFF)
        if not valid[i]:
            continue
        s = offsets[i]
        e = offsets[i + 1]
        nt = 0
        L = 0
        if is_zh[i]:
            for p in range(s, e):
                c = data[p]
                if _is_ascii_ws(c):
                    continue
                if (c & 0xC0) != 0x80:  # first byte of a code point
                    if nt > 0:
                        tend[nt - 1] = L
                    tstart[nt] = L
                    nt += 1
                norm[L] = c
                L += 1
            if nt > 0:
                tend[nt - 1] = L
        else:
            inword = False
            for p in range(s, e):
                c = data[p]
                if _is_ascii_ws(c):
                    if inword:
                        tend[nt - 1] = L
                        inword = False
                    continue
                if not inword:
                    if nt > 0:
                        norm[L] = 32
                        L += 1
                    tstart[nt] = L
                    nt += 1
                    inword = True
                norm[L] = c
                L += 1
            if inword:
                tend[nt - 1] = L
        if nt == 0:
            continue
        m = 0
        if nt < n:
            hashes[0] = xxh32_slice(norm, 0, L, 0)
            m = 1
        else:
            for t in range(nt - n + 1):
                hashes[m] = xxh32_slice(norm, tstart[t], tend[t + n - 1], 0)
                m += 1
        apply_unique(hashes, m, scheme, a32, b32, a64, b64, sig)


@nb.njit(cache=True)
def signatures_from_hashes(hashes, hoffsets, scheme, a32, b32, a64, b64, out):
    """Permute precomputed shingle hashes (doc i = hashes[hoffsets[i]:hoffsets[i+1]])."""
    rows = hoffsets.shape[0] - 1
    maxm = 0
    for i in range(rows):
        mm = hoffsets[i + 1] - hoffsets[i]
        if mm > maxm:
            maxm = mm
    scratch = np.empty(maxm + 1, np.uint64)
    num_perm = out.shape[1]
    for i in range(rows):
        sig = out[i]
        for k in range(num_perm):
            sig[k] = np.uint32(0xFFFFFFFF)
        m = hoffsets[i + 1] - hoffsets[i]
        for t in range(m):
            scratch[t] = hashes[hoffsets[i] + t]
        apply_unique(scratch, m, scheme, a32, b32, a64, b64, sig)


def _zh_mask(langs, n: int) -> np.ndarray:
    if langs is None or isinstance(langs, str):
        return np.full(n, langs == "zh", dtype=np.bool_)
    if isinstance(langs, pa.ChunkedArray):
        langs = langs.combine_chunks()
    if isinstance(langs, pa.Array):
        if len(langs) != n:
            raise ValueError(f"langs has {len(langs)} rows, texts has {n}")
        if pa.types.is_dictionary(langs.type):
            langs = langs.dictionary_decode()
        mask = pc.fill_null(pc.equal(langs, pa.scalar("zh", langs.type)), False)
        return mask.to_numpy(zero_copy_only=False).astype(np.bool_, copy=False)
    langs = list(langs)
    if len(langs) != n:
        raise ValueError(f"langs has {len(langs)} rows, texts has {n}")
    return np.fromiter((lg == "zh" for lg in langs), dtype=np.bool_, count=n)


def _sha1_hash32(b: bytes) -> int:  # == datasketch.hashfunc.sha1_hash32
    return struct.unpack("<I", hashlib.sha1(b).digest()[:4])[0]


def signatures(
    texts: TextsLike,
    langs,
    num_perm: int = 256,
    seed: int = 1,
    n: int = 5,
    hashfunc: str | Callable[[bytes], int] = "xxh32",
    scheme: str = "affine32",
) -> np.ndarray:
    """MinHash signatures, shape (rows, num_perm), uint32.

    texts: pa.Array / ChunkedArray of strings or a sequence of str (None = null -> empty doc).
    langs: one language for all rows (str or None) or a per-row array/sequence; 'zh' selects
      character shingles, anything else (including null) word shingles.
    hashfunc: 'xxh32' (numba), 'sha1' (datasketch's default sha1_hash32) or a callable.
    scheme: 'affine32' (datasketch >= 2.0 default) or 'legacy' (datasketch < 2.0).
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    if num_perm < 1:
        raise ValueError("num_perm must be positive")
    if scheme not in SCHEME_CODE:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    arr = string_array(texts)
    rows = len(arr)
    is_zh = _zh_mask(langs, rows)
    a32, b32, a64, b64 = permutations(scheme, int(num_perm), int(seed))
    code = SCHEME_CODE[scheme]
    out = np.empty((rows, int(num_perm)), dtype=np.uint32)
    if rows == 0:
        return out
    if isinstance(hashfunc, str) and hashfunc == "xxh32":
        data, offsets = utf8_buffers(arr)
        valid = valid_mask(arr)
        # nogil: DuckDB calls the UDF from its worker threads, and their batches then run in parallel
        _signatures_xxh32(data, offsets, valid, is_zh, int(n), code, a32, b32, a64, b64, out)
        return out
    if isinstance(hashfunc, str):
        if hashfunc != "sha1":
            raise ValueError(f"hashfunc must be 'xxh32', 'sha1' or a callable, got {hashfunc!r}")
        hf = _sha1_hash32
    elif callable(hashfunc):
        hf = hashfunc
    else:
        raise ValueError("hashfunc must be 'xxh32', 'sha1' or a callable")
    hoffsets = np.zeros(rows + 1, dtype=np.int64)
    hvs: list[int] = []
    for i, (text, zh) in enumerate(zip(arr.to_pylist(), is_zh.tolist())):
        if text is not None:
            hvs.extend(hf(s) for s in shingles(text, "zh" if zh else "", n))
        hoffsets[i + 1] = len(hvs)
    hashes = np.array(hvs, dtype=np.uint64)
    if code == 0 and hashes.size and int(hashes.max()) > 0xFFFFFFFF:
        raise ValueError("hashfunc returned a value out of range for scheme 'affine32'")
    signatures_from_hashes(hashes, hoffsets, code, a32, b32, a64, b64, out)
    return out
