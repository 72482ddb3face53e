"""Tests for udfs/minhash/: shingles, datasketch parity, xxh32, LSH params, components, DuckDB."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import datasketch  # noqa: E402  (test extra: the reference the signatures must equal)
import xxhash  # noqa: E402  (test extra)

from udfs import minhash as M  # noqa: E402
from udfs.minhash.permutations import permutations  # noqa: E402
from udfs.minhash.signatures import signatures_from_hashes  # noqa: E402

DATA = Path(os.environ.get("SFTMART_ALPACA_COT_DIR", "/work/shared/data/alpaca-cot"))
EN_FILE = DATA / "chain-of-thought" / "creak_train.json"
EN_FILE_2 = DATA / "chain-of-thought" / "aqua_train.json"  # longer rows
ZH_FILE = DATA / "chinese-alpaca" / "zh-data-part-00.json"

needs_data = pytest.mark.skipif(not (EN_FILE.exists() and ZH_FILE.exists()), reason="Alpaca-CoT data not available")


def _text(rec: dict) -> str:
    return " ".join(p for p in (rec["instruction"], rec["input"], rec["output"]) if p).lower()


@pytest.fixture(scope="module")
def en_rows() -> list[str]:
    return [_text(r) for r in json.loads(EN_FILE.read_text(encoding="utf-8"))[:1000]]


@pytest.fixture(scope="module")
def en_long_rows() -> list[str]:
    return [_text(r) for r in json.loads(EN_FILE_2.read_text(encoding="utf-8"))[:2000]]


@pytest.fixture(scope="module")
def zh_rows() -> list[str]:
    return [_text(r) for r in json.loads(ZH_FILE.read_text(encoding="utf-8"))[:1000]]


def _xxh32(b: bytes) -> int:
    return xxhash.xxh32_intdigest(b, seed=0)


def _datasketch_sigs(texts, lang, seed, hashfunc, scheme="affine32") -> np.ndarray:
    out = []
    for t in texts:
        m = datasketch.MinHash(num_perm=256, seed=seed, hashfunc=hashfunc, scheme=scheme)
        sh = M.shingles(t, lang) if t is not None else []
        if sh:
            m.update_batch(sh)
        out.append(m.hashvalues)
    return np.array(out)


# ------------------------------------------------------------------------------- shingles


def test_shingles_english():
    text = "the quick  brown\tfox jumps\nover the\r\nlazy dog"
    assert M.shingles(text, "en") == [
        b"the quick brown fox jumps",
        b"quick brown fox jumps over",
        b"brown fox jumps over the",
        b"fox jumps over the lazy",
        b"jumps over the lazy dog",
    ]
    assert M.shingles("a b c", "en") == [b"a b c"]  # fewer than n words
    assert M.shingles("  a\x0bb\x0cc d e ", "en") == [b"a b c d e"]
    assert M.shingles("", "en") == []
    assert M.shingles(" \t\n ", "en") == []
    # only ASCII whitespace separates words; other code points stay inside words
    assert M.shingles("a\u3000b c\xa0d e f g", "other") == [b"a\xe3\x80\x80b c\xc2\xa0d e f g"]
    assert M.shingles("one two three", "en", n=2) == [b"one two", b"two three"]
    assert M.shingles("héllo wörld", None) == ["héllo wörld".encode()]


def test_shingles_chinese():
    assert M.shingles("什么是三原色？", "zh") == ["什么是三原".encode(), "么是三原色".encode(), "是三原色？".encode()]
    assert M.shingles("三原 色\n是", "zh") == ["三原色是".encode()]  # < n chars, spaces dropped
    assert M.shingles("ab c1 2x", "zh") == [b"abc12", b"bc12x"]
    assert M.shingles("", "zh") == []
    assert M.shingles(" \t ", "zh") == []
    assert M.shingles("\u3000一二三四五", "zh")[0] == "\u3000一二三四".encode()


def test_signatures_edge_cases_match_datasketch():
    texts = [
        "",
        " \t\r\n\x0b\x0c ",
        "a",
        "a b",
        "one two three four five",
        "one  two\tthree\nfour\rfive\x0bsix\x0cseven",
        "x\x1cy z\x1f w v u",
        "tab\t\tand  many   spaces    here  and there",
        "héllo wörld ünïcode ✓ 🙂 done",
        "一",
        "一二三四",
        "一二三四五",
        "一 二\t三\n四五六",
        "mixed 中文 and english 文本 text",
        "a" * 40 + " " + "b" * 17,
        "🙂" * 9,
    ]
    for lang in ("en", "zh"):
        for scheme in M.SCHEMES:
            got = M.signatures(texts, lang, seed=3, scheme=scheme)
            want = _datasketch_sigs(texts, lang, 3, _xxh32, scheme)
            np.testing.assert_array_equal(got, want)
    # empty documents keep the initial value
    assert (M.signatures([""], "en") == np.uint32(0xFFFFFFFF)).all()


def test_signatures_input_forms():
    texts = ["the cat sat on the mat today", None, "猫坐在垫子上了", "short"]
    langs = ["en", "en", "zh", None]
    a = M.signatures(texts, langs)
    b = M.signatures(pa.array(texts), pa.array(langs))
    c = M.signatures(
        pa.chunked_array([pa.array(texts[:2], pa.large_string()), pa.array(texts[2:], pa.large_string())]),
        pa.chunked_array([pa.array(langs[:2]), pa.array(langs[2:])]),
    )
    d = M.signatures(pa.array(["pad"] + texts)[1:], pa.array(["x"] + langs)[1:])  # sliced
    for other in (b, c, d):
        np.testing.assert_array_equal(a, other)
    assert a.dtype == np.uint32 and a.shape == (4, 256)
    assert (a[1] == 0xFFFFFFFF).all()  # null -> empty doc
    np.testing.assert_array_equal(a[2], _datasketch_sigs([texts[2]], "zh", 1, _xxh32)[0])
    assert M.signatures([], "en").shape == (0, 256)


# ------------------------------------------------------------------------ datasketch parity


@needs_data
@pytest.mark.parametrize("seed", [1, 42])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("hashfunc", ["xxh32", "sha1"])
def test_signatures_equal_datasketch(en_rows, zh_rows, lang, seed, hashfunc):
    rows = en_rows if lang == "en" else zh_rows
    got = M.signatures(rows, lang, num_perm=256, seed=seed, hashfunc=hashfunc)
    want = _datasketch_sigs(rows, lang, seed, _xxh32 if hashfunc == "xxh32" else None)
    assert want.dtype == np.uint32
    np.testing.assert_array_equal(got, want)


@needs_data
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("hashfunc", ["xxh32", "sha1"])
def test_signatures_equal_datasketch_legacy_scheme(en_rows, zh_rows, lang, hashfunc):
    # datasketch's legacy scheme is slow (~800 rows/s): a smaller sample.
    rows = (en_rows if lang == "en" else zh_rows)[:200]
    seed = 42
    got = M.signatures(rows, lang, seed=seed, hashfunc=hashfunc, scheme="legacy")
    want = _datasketch_sigs(rows, lang, seed, _xxh32 if hashfunc == "xxh32" else None, "legacy")
    np.testing.assert_array_equal(got, want.astype(np.uint64))


def test_legacy_wraparound_matches_numpy():
    """(h * a + b) wraps modulo 2**64 before the % (2**61 - 1); check extreme hash values."""
    a32, b32, a64, b64 = permutations("legacy", 256, 7)
    hv = np.array([0, 1, 2, 0xFFFFFFFF, 0xFFFFFFFE, 0x80000000, 0x7FFFFFFF, 12345678], dtype=np.uint64)
    with np.errstate(over="ignore"):
        want = (((hv[:, None] * a64 + b64) % np.uint64((1 << 61) - 1)) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    for i, h in enumerate(hv):
        sigs = np.empty((1, 256), np.uint32)
        signatures_from_hashes(np.array([h], np.uint64), np.array([0, 1], np.int64), 1, a32, b32, a64, b64, sigs)
        np.testing.assert_array_equal(sigs[0], want[i])


def test_permutations_match_datasketch():
    for scheme in M.SCHEMES:
        for seed in (1, 42):
            a32, b32, a64, b64 = permutations(scheme, 256, seed)
            ref_a, ref_b = datasketch.MinHash(num_perm=256, seed=seed, scheme=scheme).permutations
            a, b = (a32, b32) if scheme == "affine32" else (a64, b64)
            np.testing.assert_array_equal(a, np.asarray(ref_a))
            np.testing.assert_array_equal(b, np.asarray(ref_b))


def test_custom_callable_hashfunc():
    texts = ["a b c d e f g h", "一二三四五六七"]
    for lang in ("en", "zh"):
        got = M.signatures(texts, lang, num_perm=64, seed=5, hashfunc=_xxh32)
        np.testing.assert_array_equal(got, M.signatures(texts, lang, num_perm=64, seed=5))


# ------------------------------------------------------------------------------------ xxh32


def test_xxh32_matches_xxhash_package():
    rng = random.Random(1234)
    for length in range(0, 101):
        for _ in range(3):
            data = bytes(rng.getrandbits(8) for _ in range(length))
            assert M.xxh32(data) == xxhash.xxh32_intdigest(data, seed=0), length
    for seed in (1, 0xDEADBEEF, 0xFFFFFFFF):
        data = bytes(range(37))
        assert M.xxh32(data, seed) == xxhash.xxh32_intdigest(data, seed=seed)


# -------------------------------------------------------------------------------------- LSH


@pytest.mark.parametrize(
    "threshold,num_perm", [(0.7, 256), (0.5, 128), (0.9, 64), (0.8, 32), (0.3, 256), (0.95, 200), (0.6, 7)]
)
def test_lsh_params_equal_datasketch(threshold, num_perm):
    from datasketch.lsh import _optimal_param

    assert M.lsh_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_band_keys_properties():
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(50, 256), dtype=np.uint64).astype(np.uint32)
    sigs[1] = sigs[0]
    sigs[2, :10] = sigs[0, :10]  # shares band 0 only
    sigs[3, 240:250] = sigs[0, 240:250]  # shares band 24 only
    b, r = M.lsh_params(0.7, 256)
    keys = M.band_keys(sigs, b, r)
    assert keys.dtype == np.uint64 and keys.shape == (50, b)
    np.testing.assert_array_equal(keys[0], keys[1])
    assert keys[2, 0] == keys[0, 0] and (keys[2, 1:] != keys[0, 1:]).all()
    assert keys[3, 24] == keys[0, 24] and (keys[3, :24] != keys[0, :24]).all()
    # the band index lives in the top bits: keys of different bands never collide
    bits = (b - 1).bit_length()
    np.testing.assert_array_equal(
        keys >> np.uint64(64 - bits), np.broadcast_to(np.arange(b, dtype=np.uint64), keys.shape)
    )
    # identical band contents in different bands still give different keys
    same = np.tile(np.arange(r, dtype=np.uint32), b)[None, :]
    k = M.band_keys(same, b, r)
    assert len(set(k[0].tolist())) == b
    assert len(set(keys[4:].reshape(-1).tolist())) == 46 * b  # random rows: no collisions
    with pytest.raises(ValueError):
        M.band_keys(sigs, 30, 10)


def test_connected_components_small():
    keys = np.array(
        [
            [10, 20],  # 0
            [11, 21],  # 1  -- linked to 3 through band 1
            [10, 22],  # 2  -- linked to 0 through band 0
            [12, 21],  # 3
            [20, 10],  # 4  -- same values as row 0 but in other bands: not linked
            [13, 23],  # 5
            [12, 24],  # 6  -- linked to 3 through band 0 (so 1-3-6)
        ],
        dtype=np.uint64,
    )
    labels = M.connected_components(np.arange(7, dtype=np.int64), keys)
    assert labels.tolist() == [0, 1, 0, 1, 4, 5, 1]
    # ids other than 0..n-1: labels are the smallest id in the component
    ids = np.array([70, 60, 50, 40, 30, 20, 10], dtype=np.int64)
    assert M.connected_components(ids, keys).tolist() == [50, 10, 50, 10, 30, 20, 10]
    assert M.connected_components(np.zeros(0, np.int64), np.zeros((0, 3), np.uint64)).size == 0


def _jaccard(a: list[bytes], b: list[bytes]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb)


@needs_data
def test_near_duplicates_share_a_component(en_long_rows):
    rng = random.Random(7)
    # long real rows, pairwise dissimilar (the data has templated near-duplicates of its own)
    originals, orig_sh = [], []
    for t in en_long_rows:
        sh = M.shingles(t, "en")
        if len(t.split()) >= 80 and all(_jaccard(sh, o) < 0.3 for o in orig_sh):
            originals.append(t)
            orig_sh.append(sh)
        if len(originals) == 40:
            break
    assert len(originals) == 40
    variants, parent = [], []
    for i, t in enumerate(originals):
        words = t.split()
        pos = rng.randrange(len(words) - 1)
        words[pos] = "zzzword"
        if i % 2:  # two (adjacent) words changed
            words[pos + 1] = "qqqword"
        v = " ".join(words)
        # J >= 0.85 -> P(candidate) = 1 - (1 - J**10)**25 >= 99.5% for (b, r) = (25, 10)
        assert _jaccard(M.shingles(t, "en"), M.shingles(v, "en")) >= 0.85
        variants.append(v)
        parent.append(i)
    texts = originals + variants
    sigs = M.signatures(texts, "en", seed=1)
    b, r = M.lsh_params(0.7, 256)
    labels = M.connected_components(np.arange(len(texts), dtype=np.int64), M.band_keys(sigs, b, r))
    # each variant joins its original, and originals (unrelated rows) stay apart
    for j, i in enumerate(parent):
        assert labels[len(originals) + j] == labels[i] == i
    assert len(set(labels[: len(originals)].tolist())) == len(originals)


@needs_data
def test_unrelated_rows_mostly_singletons(en_rows, zh_rows):
    b, r = M.lsh_params(0.7, 256)
    for rows, lang in ((en_rows, "en"), (zh_rows, "zh")):
        uniq = list(dict.fromkeys(rows))
        labels = M.connected_components(
            np.arange(len(uniq), dtype=np.int64), M.band_keys(M.signatures(uniq, lang), b, r)
        )
        # every linked pair must really be similar (no spurious giant component)
        for i in np.nonzero(labels != np.arange(len(uniq)))[0][:50]:
            assert _jaccard(M.shingles(uniq[i], lang), M.shingles(uniq[labels[i]], lang)) > 0.3
        assert len(set(labels.tolist())) > 0.5 * len(uniq)


# ----------------------------------------------------------------------------------- DuckDB


@needs_data
def test_duckdb_udf(en_rows, zh_rows, en_long_rows):
    duckdb = pytest.importorskip("duckdb")
    try:
        from duckdb import sqltypes as T
    except ImportError:  # pragma: no cover
        from duckdb import typing as T

    def arr(a):
        return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a

    # DuckDB checks the Python function's arity against the declared parameter list,
    # so the wrapper spells out its five parameters (a *args wrapper is rejected).
    def udf(text, lang, num_perm, threshold, seed):
        return M.band_keys_udf(arr(text), arr(lang), arr(num_perm), arr(threshold), arr(seed))

    texts = en_rows + en_long_rows[:1500] + zh_rows + [None, "", "  "]
    langs = ["en"] * (len(en_rows) + 1500) + ["zh"] * len(zh_rows) + ["en", "en", "zh"]
    con = duckdb.connect()
    con.create_function(
        "sftmart_minhash_band_keys",
        udf,
        [T.VARCHAR, T.VARCHAR, T.INTEGER, T.DOUBLE, T.BIGINT],
        duckdb.list_type(T.UBIGINT),
        type="arrow",
        side_effects=False,
    )
    tbl = pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts), "lang": pa.array(langs)})
    con.register("docs", tbl)
    res = con.sql(
        "SELECT id, sftmart_minhash_band_keys(text, lang, 256, 0.7, 1) AS keys FROM docs ORDER BY id"
    ).to_arrow_table()
    keys_col = res.column("keys").combine_chunks()
    assert pa.types.is_list(keys_col.type) or pa.types.is_large_list(keys_col.type)
    assert keys_col.type.value_type == pa.uint64()
    assert res.num_rows == len(texts)
    b, r = M.lsh_params(0.7, 256)
    want = M.band_keys(M.signatures(texts, langs, num_perm=256, seed=1), b, r)
    valid = np.array([t is not None for t in texts])
    assert keys_col.null_count == 1 and not keys_col[len(texts) - 3].is_valid
    got = np.array(keys_col.filter(pa.array(valid)).to_pylist(), dtype=np.uint64)
    np.testing.assert_array_equal(got, want[valid])
    # a different seed gives different keys
    other = con.execute("SELECT sftmart_minhash_band_keys(text, lang, 256, 0.7, 42) FROM docs WHERE id = 0").fetchone()[
        0
    ]
    assert other != got[0].tolist()


def test_connected_components_match_a_plain_union_find_on_random_keys():
    rng = np.random.default_rng(7)
    n, bands = 3000, 6
    keys = rng.integers(0, 2500, size=(n, bands)).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    keys[::5, 2] = np.uint64(2**64 - 1)  # one key shared by many rows, at the top of the range
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for band in range(bands):
        first = {}
        for row in range(n):
            other = first.setdefault(int(keys[row, band]), row)
            a, b = find(other), find(row)
            if a != b:
                parent[max(a, b)] = min(a, b)
    expected = [find(row) for row in range(n)]  # root = smallest row of the component
    assert M.connected_components(np.arange(n, dtype=np.int64), keys).tolist() == expected
