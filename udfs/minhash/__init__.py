"""MinHash LSH near-duplicate detection, vectorised with numba.

The steps, each in its own module:

* shingles.py: a text's word (or, for 'zh', character) 5-grams;
* xxh32.py: xxHash32 in numba, the default shingle hash;
* permutations.py: datasketch's permutations and schemes ('affine32', 'legacy');
* signatures.py: MinHash signatures bit-for-bit equal to ``datasketch.MinHash``'s;
* lsh.py: the band split (== ``datasketch.lsh._optimal_param``) and one 64-bit key per band;
* components.py: rows sharing a band key, joined into components;
* udf.py: the DuckDB UDF ``sftmart_minhash_band_keys``.
"""

from udfs.minhash.components import connected_components
from udfs.minhash.lsh import band_keys, lsh_params
from udfs.minhash.permutations import SCHEMES
from udfs.minhash.shingles import shingles
from udfs.minhash.signatures import signatures
from udfs.minhash.udf import band_keys_udf
from udfs.minhash.xxh32 import xxh32

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
