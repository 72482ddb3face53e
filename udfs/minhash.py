"""MinHash LSH near-duplicate detection, vectorised with numba.

Shingles
    * non-'zh' languages: word n-grams (default n=5). Words are the text split on runs of ASCII
      whitespace (`' ', '\\t', '\\n', '\\r', '\\x0b', '\\x0c'`); a shingle is ``' '.join(words[i:i+n])``
      encoded as UTF-8. A text with 0 < len(words) < n gives one shingle of all its words.
    * 'zh': character n-grams over the text's code points with ASCII whitespace removed.
    The caller passes already-normalised text; nothing else is done to it.

Signatures
    Bit-for-bit equal to ``datasketch.MinHash(num_perm, seed=seed, hashfunc=H, scheme=scheme)``
    updated with the same shingles, where H is ``xxhash.xxh32_intdigest(b, seed=0)`` for
    ``hashfunc='xxh32'`` (default; implemented here inside the numba kernel) or datasketch's own
    default ``datasketch.hashfunc.sha1_hash32`` for ``hashfunc='sha1'`` (hashed in Python; only
    the permutations are vectorised). A Python callable ``bytes -> int`` is also accepted.

    ``scheme`` follows datasketch >= 2.0:
      * ``'affine32'`` (default; what ``datasketch.MinHash(...)`` builds in datasketch 2.x):
        ``h' = fmix32(h)``, ``phv = (a * h' + b) mod 2**32`` with odd ``a``.
      * ``'legacy'`` (the only scheme of datasketch < 2.0, still available as
        ``MinHash(..., scheme='legacy')``): ``phv = ((h * a + b) mod 2**64 mod (2**61 - 1)) & (2**32 - 1)``.
    The signature is the minimum over the document's shingles; a document without shingles (or a
    null text) keeps the initial value 2**32 - 1 everywhere.

LSH
    ``lsh_params`` reproduces ``datasketch.lsh._optimal_param(threshold, num_perm, 0.5, 0.5)``;
    ``band_keys`` hashes each band's r values to 64 bits, with the band index stored in the top
    bits so keys of different bands can never be equal; ``connected_components`` links every
    pair of rows sharing any band key (union-find over sorted runs of equal keys).
"""
from __future__ import annotations

import hashlib
import struct
from functools import lru_cache
from typing import Callable, Sequence, Union

import numba as nb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "shingles",
    "signatures",
    "lsh_params",
    "band_keys",
    "band_keys_udf",
    "connected_components",
    "xxh32",
    "SCHEMES",
]

_ASCII_WS = b" \t\n\r\x0b\x0c"
_ZH_WS_TABLE = {c: None for c in _ASCII_WS}  # str.translate table deleting ASCII whitespace

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint32((1 << 32) - 1)

SCHEMES = ("affine32", "legacy")
_SCHEME_CODE = {"affine32": 0, "legacy": 1}

TextsLike = Union[pa.Array, pa.ChunkedArray, Sequence[str]]


# --------------------------------------------------------------------------------------------
# Reference shingling (pure Python)
# --------------------------------------------------------------------------------------------

def shingles(text: str, lang: str, n: int = 5) -> list[bytes]:
    """Reference shingles of one already-normalised text (see the module docstring)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    if not text:
        return []
    if lang == "zh":
        chars = text.translate(_ZH_WS_TABLE)
        if not chars:
            return []
        if len(chars) < n:
            return [chars.encode("utf-8")]
        return [chars[i:i + n].encode("utf-8") for i in range(len(chars) - n + 1)]
    # bytes.split() with no argument splits on exactly the six ASCII whitespace bytes and drops
    # empty pieces; UTF-8 multi-byte sequences never contain ASCII bytes.
    words = text.encode("utf-8").split()
    if not words:
        return []
    if len(words) < n:
        return [b" ".join(words)]
    return [b" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


# --------------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------------

_M32 = np.uint64(0xFFFFFFFF)
_P1 = np.uint64(0x9E3779B1)
_P2 = np.uint64(0x85EBCA77)
_P3 = np.uint64(0xC2B2AE3D)
_P4 = np.uint64(0x27D4EB2F)
_P5 = np.uint64(0x165667B1)


@nb.njit(inline="always")
def _rotl32(x, r):
    return ((x << np.uint64(r)) | (x >> np.uint64(32 - r))) & _M32


@nb.njit(inline="always")
def _read32(buf, i):
    return (np.uint64(buf[i]) | (np.uint64(buf[i + 1]) << np.uint64(8))
            | (np.uint64(buf[i + 2]) << np.uint64(16)) | (np.uint64(buf[i + 3]) << np.uint64(24)))


@nb.njit(inline="always")
def _round32(v, lane):
    v = (v + lane * _P2) & _M32
    v = _rotl32(v, 13)
    return (v * _P1) & _M32


@nb.njit(cache=True)
def _xxh32_slice(buf, start, end, seed):
    """xxHash32 of buf[start:end] (uint8 array), returned as uint64 < 2**32."""
    length = end - start
    p = start
    seed = np.uint64(seed) & _M32
    if length >= 16:
        v1 = (seed + _P1 + _P2) & _M32
        v2 = (seed + _P2) & _M32
        v3 = seed
        v4 = (seed - _P1) & _M32
        limit = end - 16
        while p <= limit:
            v1 = _round32(v1, _read32(buf, p))
            v2 = _round32(v2, _read32(buf, p + 4))
            v3 = _round32(v3, _read32(buf, p + 8))
            v4 = _round32(v4, _read32(buf, p + 12))
            p += 16
        h = (_rotl32(v1, 1) + _rotl32(v2, 7) + _rotl32(v3, 12) + _rotl32(v4, 18)) & _M32
    else:
        h = (seed + _P5) & _M32
    h = (h + np.uint64(length)) & _M32
    while p + 4 <= end:
        h = (h + _read32(buf, p) * _P3) & _M32
        h = (_rotl32(h, 17) * _P4) & _M32
        p += 4
    while p < end:
        h = (h + np.uint64(buf[p]) * _P5) & _M32
        h = (_rotl32(h, 11) * _P1) & _M32
        p += 1
    h ^= h >> np.uint64(15)
    h = (h * _P2) & _M32
    h ^= h >> np.uint64(13)
    h = (h * _P3) & _M32
    h ^= h >> np.uint64(16)
    return h


@nb.njit(cache=True)
def _xxh32_many(data, offsets, seed, out):
    for i in range(offsets.shape[0] - 1):
        out[i] = _xxh32_slice(data, offsets[i], offsets[i + 1], seed)


@nb.njit(inline="always")
def _fmix32(h):
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _M32
    h ^= h >> np.uint64(16)
    return h


@nb.njit(inline="always")
def _permute_affine32(h, a32, b32, sig):
    # a32, b32: uint32 arrays; sig: uint32 row. (a * fmix32(h) + b) mod 2**32.
    fh = np.uint32(_fmix32(np.uint64(h)))
    for k in range(sig.shape[0]):
        v = np.uint32(a32[k] * fh + b32[k])
        if v < sig[k]:
            sig[k] = v


@nb.njit(inline="always")
def _permute_legacy(h, a64, b64, sig):
    # ((h * a + b) mod 2**64) mod (2**61 - 1), truncated to 32 bits; identical to numpy's
    # uint64 `(hv * a + b) % _mersenne_prime & _max_hash` (the product wraps before the %).
    p = np.uint64(0x1FFFFFFFFFFFFFFF)
    hh = np.uint64(h)
    for k in range(sig.shape[0]):
        x = hh * a64[k] + b64[k]
        x = (x & p) + (x >> np.uint64(61))  # 2**61 == 1 (mod p); x < 2**61 + 7 now
        if x >= p:
            x -= p
        v = np.uint32(x & np.uint64(0xFFFFFFFF))
        if v < sig[k]:
            sig[k] = v


@nb.njit(inline="always")
def _apply_unique(hashes, m, scheme, a32, b32, a64, b64, sig):
    """Sort hashes[:m] in place and fold each distinct value into sig."""
    if m == 0:
        return
    hs = hashes[:m]
    hs.sort()
    prev = hs[0]
    if scheme == 0:
        _permute_affine32(prev, a32, b32, sig)
    else:
        _permute_legacy(prev, a64, b64, sig)
    for t in range(1, m):
        h = hs[t]
        if h != prev:
            prev = h
            if scheme == 0:
                _permute_affine32(h, a32, b32, sig)
            else:
                _permute_legacy(h, a64, b64, sig)


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
    norm = np.empty(maxlen + 1, np.uint8)        # text with whitespace collapsed / removed
    tstart = np.empty(maxlen + 1, np.int64)      # token (word or code point) starts in norm
    tend = np.empty(maxlen + 1, np.int64)        # token ends in norm
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
            hashes[0] = _xxh32_slice(norm, 0, L, 0)
            m = 1
        else:
            for t in range(nt - n + 1):
                hashes[m] = _xxh32_slice(norm, tstart[t], tend[t + n - 1], 0)
                m += 1
        _apply_unique(hashes, m, scheme, a32, b32, a64, b64, sig)


@nb.njit(cache=True)
def _signatures_from_hashes(hashes, hoffsets, scheme, a32, b32, a64, b64, out):
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
        _apply_unique(scratch, m, scheme, a32, b32, a64, b64, sig)


# --------------------------------------------------------------------------------------------
# Permutations (exactly as datasketch.MinHash._init_permutations)
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _permutations(scheme: str, num_perm: int, seed: int):
    """(a32, b32, a64, b64) read-only arrays; the unused pair of the scheme is empty."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        ab = np.array(
            [(gen.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
              gen.randint(0, _MERSENNE_PRIME, dtype=np.uint64)) for _ in range(num_perm)],
            dtype=np.uint64,
        ).T
        a64, b64 = np.ascontiguousarray(ab[0]), np.ascontiguousarray(ab[1])
        a32 = b32 = np.empty(0, np.uint32)
    elif scheme == "affine32":
        a32 = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b32 = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        a64 = b64 = np.empty(0, np.uint64)
    else:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    for arr in (a32, b32, a64, b64):
        arr.setflags(write=False)
    return a32, b32, a64, b64


# --------------------------------------------------------------------------------------------
# Arrow plumbing
# --------------------------------------------------------------------------------------------

def _as_string_array(texts: TextsLike) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts) if not isinstance(texts, list) else texts, type=pa.large_string())
    if pa.types.is_dictionary(texts.type):
        texts = texts.dictionary_decode()
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = pc.cast(texts, pa.large_string())
    return texts


def _string_buffers(arr: pa.Array):
    """(data uint8, offsets int64 of len(arr)+1, valid bool) without copying the data."""
    n = len(arr)
    bufs = arr.buffers()
    odt = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    if n == 0:
        return np.zeros(0, np.uint8), np.zeros(1, np.int64), np.zeros(0, np.bool_)
    offsets = np.frombuffer(bufs[1], dtype=odt)[arr.offset: arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size else \
        np.zeros(0, np.uint8)
    if arr.null_count:
        valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
    else:
        valid = np.ones(n, np.bool_)
    return data, offsets, valid


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


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def xxh32(data: bytes, seed: int = 0) -> int:
    """xxHash32 computed by the numba kernel (== xxhash.xxh32_intdigest)."""
    buf = np.frombuffer(data, dtype=np.uint8) if len(data) else np.zeros(0, np.uint8)
    return int(_xxh32_slice(buf, 0, len(data), seed))


def signatures(texts: TextsLike, langs, num_perm: int = 256, seed: int = 1, n: int = 5,
               hashfunc: Union[str, Callable[[bytes], int]] = "xxh32",
               scheme: str = "affine32") -> np.ndarray:
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
    if scheme not in _SCHEME_CODE:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    arr = _as_string_array(texts)
    rows = len(arr)
    is_zh = _zh_mask(langs, rows)
    a32, b32, a64, b64 = _permutations(scheme, int(num_perm), int(seed))
    code = _SCHEME_CODE[scheme]
    out = np.empty((rows, int(num_perm)), dtype=np.uint32)
    if rows == 0:
        return out
    if isinstance(hashfunc, str) and hashfunc == "xxh32":
        data, offsets, valid = _string_buffers(arr)
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
    _signatures_from_hashes(hashes, hoffsets, code, a32, b32, a64, b64, out)
    return out


def _integrals(f, lo: float, hi: float, degree: int) -> np.ndarray:
    """Integrals over [lo, hi] of f(s) (an array of polynomials of at most this degree in s, one per
    row): Gauss-Legendre with degree // 2 + 1 nodes is exact for them (scipy's quad in datasketch)."""
    nodes, weights = np.polynomial.legendre.leggauss(degree // 2 + 1)
    half = (hi - lo) / 2
    return half * (f(half * nodes + (hi + lo) / 2) @ weights)


@lru_cache(maxsize=128)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands b, rows r) minimising 0.5*FP + 0.5*FN, == datasketch.lsh._optimal_param."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0.0, 1.0]")
    if num_perm < 2:
        raise ValueError("num_perm must be >= 2")
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)],
                     dtype=np.float64)
    bands, rows = pairs[:, :1], pairs[:, 1:]

    def collision(s):  # probability that two docs of Jaccard s share a band, per (b, r) row
        return 1 - (1 - s[None, :] ** rows) ** bands

    false_positive = _integrals(collision, 0.0, threshold, num_perm)
    false_negative = _integrals(lambda s: 1 - collision(s), threshold, 1.0, num_perm)
    best = int(np.argmin(0.5 * false_positive + 0.5 * false_negative))  # first minimum, as datasketch
    return int(pairs[best, 0]), int(pairs[best, 1])


_K1 = np.uint64(0x87C37B91114253D5)
_K2 = np.uint64(0x4CF5AD432745937F)
_K3 = np.uint64(0x52DCE729)


@nb.njit(inline="always")
def _fmix64(h):
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@nb.njit(cache=True)
def _band_keys_kernel(sigs, b, r, bits, out):
    rows = sigs.shape[0]
    low_mask = (np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(bits)) if bits > 0 else \
        np.uint64(0xFFFFFFFFFFFFFFFF)
    for i in range(rows):
        for j in range(b):
            h = _fmix64(np.uint64(j + 1) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(r))
            for t in range(j * r, (j + 1) * r):
                k = np.uint64(sigs[i, t]) * _K1
                k = (k << np.uint64(31)) | (k >> np.uint64(33))
                h ^= k * _K2
                h = ((h << np.uint64(27)) | (h >> np.uint64(37))) * np.uint64(5) + _K3
            h = _fmix64(h ^ np.uint64(r))
            if bits > 0:
                out[i, j] = (np.uint64(j) << np.uint64(64 - bits)) | (h & low_mask)
            else:
                out[i, j] = h


def band_keys(sigs: np.ndarray, b: int, r: int) -> np.ndarray:
    """(rows, b) uint64 keys: band j hashes sigs[:, j*r:(j+1)*r] to 64 - ceil(log2 b) bits and
    stores j in the top ceil(log2 b) bits, so keys of different bands never collide."""
    sigs = np.asarray(sigs)
    if sigs.ndim != 2:
        raise ValueError("sigs must be 2-D (rows, num_perm)")
    if b < 1 or r < 1 or b * r > sigs.shape[1]:
        raise ValueError(f"b * r = {b} * {r} exceeds num_perm {sigs.shape[1]}")
    if sigs.dtype != np.uint32:
        if sigs.size and (sigs.min() < 0 or sigs.max() > 0xFFFFFFFF):
            raise ValueError("signature values must fit in 32 bits")
        sigs = sigs.astype(np.uint32)
    bits = (b - 1).bit_length()
    out = np.empty((sigs.shape[0], b), dtype=np.uint64)
    _band_keys_kernel(np.ascontiguousarray(sigs), int(b), int(r), int(bits), out)
    return out


def _first_scalar(x, name):
    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks()
    if isinstance(x, pa.Array):
        if len(x) == 0 or not x[0].is_valid:
            raise ValueError(f"{name} must be a non-null constant")
        return x[0].as_py()
    if isinstance(x, pa.Scalar):
        return x.as_py()
    return x


def band_keys_udf(texts: pa.Array, langs: pa.Array, num_perm: pa.Array, threshold: pa.Array,
                  seed: pa.Array) -> pa.Array:
    """DuckDB arrow UDF: list<uint64> of LSH band keys per row (null text -> null).

    num_perm / threshold / seed arrive as arrays of one repeated constant; element 0 is used.
    Uses the default xxh32 hash, word/char 5-gram shingles and the 'affine32' scheme.
    """
    arr = _as_string_array(texts)
    rows = len(arr)
    if rows == 0:
        return pa.array([], type=pa.list_(pa.uint64()))
    num_perm = int(_first_scalar(num_perm, "num_perm"))
    threshold = float(_first_scalar(threshold, "threshold"))
    seed = int(_first_scalar(seed, "seed"))
    b, r = lsh_params(threshold, num_perm)
    sigs = signatures(arr, langs, num_perm=num_perm, seed=seed)
    keys = band_keys(sigs, b, r)
    offsets = pa.array(np.arange(0, rows * b + 1, b, dtype=np.int32))
    values = pa.array(keys.reshape(-1), type=pa.uint64())
    mask = pc.is_null(arr) if arr.null_count else None
    return pa.ListArray.from_arrays(offsets, values, mask=mask)


@nb.njit(cache=True)
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]  # path halving
        x = parent[x]
    return x


@nb.njit(cache=True, nogil=True)
def _union_equal_keys(parent, band_columns, slots):
    """Links the rows that share a key within a band column: a hash table per band maps each key
    to the first row that has it (linear time; sorting every band cost 15 ms per band at 160k rows)."""
    mask = slots - 1
    table_keys = np.empty(slots, np.uint64)
    table_rows = np.empty(slots, np.int64)
    for band in range(band_columns.shape[0]):
        column = band_columns[band]
        table_rows[:] = -1
        for row in range(column.shape[0]):
            key = column[row]
            slot = np.int64((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask
            while table_rows[slot] >= 0 and table_keys[slot] != key:
                slot = (slot + 1) & mask
            if table_rows[slot] < 0:
                table_keys[slot] = key
                table_rows[slot] = row
                continue
            ra = _find(parent, table_rows[slot])
            rb = _find(parent, row)
            if ra != rb:  # root = the smaller row position, so a root is its component's minimum
                if rb < ra:
                    parent[ra] = rb
                else:
                    parent[rb] = ra


@nb.njit(cache=True)
def _labels(parent, ids):
    n = parent.shape[0]
    minid = np.empty(n, np.int64)
    for i in range(n):
        minid[i] = np.iinfo(np.int64).max
    roots = np.empty(n, np.int64)
    for i in range(n):
        r = _find(parent, i)
        roots[i] = r
        if ids[i] < minid[r]:
            minid[r] = ids[i]
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = minid[roots[i]]
    return out


def connected_components(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Component label per row (int64) = smallest id in the row's component.

    ids: (rows,) int64 row numbers (normally 0..n-1, any distinct int64 work);
    keys: (rows, b) band keys. Rows sharing any key in the same band column are linked.
    """
    ids = np.asarray(ids, dtype=np.int64)
    keys = np.asarray(keys)
    if keys.ndim == 1:
        keys = keys.reshape(-1, 1)
    if keys.ndim != 2 or keys.shape[0] != ids.shape[0]:
        raise ValueError("keys must be (rows, b) with rows == len(ids)")
    n = ids.shape[0]
    parent = np.arange(n, dtype=np.int64)
    slots = 1 << max(4, (2 * n).bit_length())  # a hash table at most half full
    _union_equal_keys(parent, np.ascontiguousarray(keys.astype(np.uint64, copy=False).T), slots)
    return _labels(parent, ids)
