"""SHA-256 (FIPS 180-4) in numba, for hashing n-grams inside a kernel (udfs/dsir_hash.py): the
digest of `length` bytes of `msg` modulo `modulus`, which is what the data-selection package's
`int(sha256(ngram).hexdigest(), 16) % num_buckets` computes."""

from __future__ import annotations

import numpy as np
from numba import njit

M32 = np.uint64(0xFFFFFFFF)
# fmt: off
SHA_K = np.array([
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
], dtype=np.uint64)
SHA_H0 = np.array([
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
], dtype=np.uint64)
# fmt: on


@njit(cache=True, nogil=True, inline="always")
def _rotr(x, n):
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & M32


@njit(cache=True, nogil=True)
def sha256_mod(msg, length, modulus, w):
    """int(sha256(msg[:length]).hexdigest(), 16) % modulus (w: uint64[64] scratch)."""
    h = SHA_H0.copy()
    padded = (length + 9 + 63) // 64 * 64
    bits = np.uint64(length) * np.uint64(8)
    for block in range(0, padded, 64):
        for t in range(16):
            word = np.uint64(0)
            for b in range(4):
                j = block + 4 * t + b
                if j < length:
                    byte = np.uint64(msg[j])
                elif j == length:
                    byte = np.uint64(0x80)
                elif j >= padded - 8:
                    byte = (bits >> np.uint64(8 * (padded - 1 - j))) & np.uint64(0xFF)
                else:
                    byte = np.uint64(0)
                word = (word << np.uint64(8)) | byte
            w[t] = word
        for t in range(16, 64):
            s0 = _rotr(w[t - 15], 7) ^ _rotr(w[t - 15], 18) ^ (w[t - 15] >> np.uint64(3))
            s1 = _rotr(w[t - 2], 17) ^ _rotr(w[t - 2], 19) ^ (w[t - 2] >> np.uint64(10))
            w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & M32
        a, b_, c, d, e, f, g, hh = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
        for t in range(64):
            t1 = (hh + (_rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)) + ((e & f) ^ (~e & M32 & g)) + SHA_K[t] + w[t]) & M32
            t2 = ((_rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)) + ((a & b_) ^ (a & c) ^ (b_ & c))) & M32
            hh, g, f, e, d, c, b_, a = g, f, e, (d + t1) & M32, c, b_, a, (t1 + t2) & M32
        for i, v in enumerate((a, b_, c, d, e, f, g, hh)):
            h[i] = (h[i] + v) & M32
    rest = np.uint64(0)
    for i in range(8):  # the 256-bit big-endian digest modulo `modulus`, 32 bits at a time
        rest = ((rest << np.uint64(32)) | h[i]) % np.uint64(modulus)
    return rest
