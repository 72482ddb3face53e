"""udfs.text_stats: hand-computed statistics, fast path == reference (tests/quality_oracle.py) on real
rows, DuckDB."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from quality_oracle import is_cjk, reference_stats

from udfs.text_stats import ARROW_TYPE, FIELD_NAMES, RESULT_TYPE, charsets, exact_keys, quality_stats
from udfs.text_stats import tables as lookup_tables

try:
    from duckdb import sqltypes as T
except ImportError:  # pragma: no cover - older DuckDB
    from duckdb import typing as T

DATA = Path("/work/shared/data/alpaca-cot")
EN_FILES = sorted((DATA / "chain-of-thought").glob("*.json"))
ZH_FILE = DATA / "chinese-alpaca" / "zh-data-part-00.json"

EDGE_CASES = [
    ("", "en"),
    ("", "zh"),
    ("short", "en"),
    ("短文本", "zh"),
    ("123456789", "other"),
    ("   \t\n  ", "en"),
    ("\u3000\u3000", "zh"),
    ("\n\n\n", "other"),
    ("😀" * 25, "en"),
    ("👍🏽 nice 👍🏽 nice 👍🏽 nice", "en"),
    ("𠀀𠀁𠀂 astral 汉字 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "zh"),
    ("a" * 20, "en"),
    ("abcdefghij" * 30, "other"),
    ("ÉCOLE école İstanbul ΣΊΣΥΦΟΣ", "en"),
    ("Fuck! FUCKING (shit) «bitch» ass-hole", "en"),
    ("你他妈的傻逼，滚！这是色情网站。", "zh"),
    ("mixed 中文 and English 他妈的 text", "zh"),
    ("KELVIN: \u212a sign", "en"),
    ("\x00\x01 control \x85 chars \u2028 line sep", "en"),
    ("一上一上一上一上一上一上一上一上", "zh"),
]


def _row_text(record: dict) -> str:
    return "\n".join(part for part in (record["instruction"], record["input"], record["output"]) if part)


@pytest.fixture(scope="module")
def real_rows() -> list[tuple[str, str]]:
    if not EN_FILES or not ZH_FILE.exists():
        pytest.skip("Alpaca-CoT data not available")
    rows = []
    for path in EN_FILES:  # 250 rows from each English file
        rows += [(_row_text(r), "en") for r in json.loads(path.read_text())[:250]]
    rows += [(_row_text(r), "zh") for r in json.loads(ZH_FILE.read_text())[:1000]]
    return rows


def _fast(texts, langs) -> list[dict | None]:
    return quality_stats(pa.array(texts, pa.string()), pa.array(langs, pa.string())).to_pylist()


def _one(text, lang="en") -> dict:
    return _fast([text], [lang])[0]


def _assert_same(fast: dict | None, ref: dict | None, context: str = "") -> None:
    if ref is None:
        assert fast is None, context
        return
    assert list(fast) == list(FIELD_NAMES)
    for name in FIELD_NAMES:
        if isinstance(ref[name], int):
            assert fast[name] == ref[name], (name, context)
        else:
            assert math.isclose(fast[name], ref[name], rel_tol=0, abs_tol=1e-9), (name, context)


# ----- hand-computed values ------------------------------------------------------------------


def test_char_rep_ratio_by_hand():
    # 11 identical 10-grams: one distinct n-gram, all of it repeated.
    assert _one("a" * 20)["char_rep_ratio"] == 1.0
    # 21 10-grams of 10 rotations: counts 3,2,...,2; top int(sqrt(10)) = 3 -> (3+2+2)/21.
    assert _one("abcdefghij" * 3)["char_rep_ratio"] == pytest.approx(7 / 21)
    assert _one("abcdefghijk")["char_rep_ratio"] == 0.0  # no repeated 10-gram
    assert _one("aaaaaaaaa")["char_rep_ratio"] == 0.0  # shorter than 10


def test_word_rep_ratio_by_hand():
    words = " ".join(f"w{i}" for i in range(10))
    # 20 words, 11 word 10-grams; only the first and the last are equal -> 2/11.
    assert _one(words + " " + words)["word_rep_ratio"] == pytest.approx(2 / 11)
    assert _one(words)["word_rep_ratio"] == 0.0  # one 10-gram
    assert _one(" ".join(["same"] * 12))["word_rep_ratio"] == 1.0  # 3 equal 10-grams
    # zh: every ideograph is a word.
    assert _one("一二三四五六七八九十" * 2, "zh")["word_rep_ratio"] == pytest.approx(2 / 11)


def test_counts_and_ratios_by_hand():
    stats = _one("a1 !")
    assert (stats["n_chars"], stats["n_words"]) == (4, 2)
    assert stats["alnum_ratio"] == 0.5  # 'a', '1'
    assert stats["special_char_ratio"] == 0.75  # '1', ' ', '!' (digits are special)
    assert _one("😀a")["n_chars"] == 2  # code points, not bytes or UTF-16 units
    assert _one("😀😀")["special_char_ratio"] == 1.0
    assert _one("一上", "zh")["special_char_ratio"] == 1.0  # Data-Juicer lists 一 and 上
    assert _one("ab\ncdef\n")["max_line_length"] == 4
    assert _one("\n\n")["max_line_length"] == 0
    empty = _one("")
    assert empty == dict.fromkeys(FIELD_NAMES, 0) and isinstance(empty["alnum_ratio"], float)


def test_words_by_hand():
    assert _one("我爱Python 3.10版本", "zh")["n_words"] == 6  # 我 爱 Python 3.10 版 本
    assert _one("我爱Python 3.10版本", "en")["n_words"] == 2
    assert _one("  a\tb\u3000c\n", "other")["n_words"] == 3


def test_flagged_word_ratio_by_hand():
    assert _one("What the FUCK, man!")["flagged_word_ratio"] == 0.25  # 'FUCK,' -> 'fuck'
    assert _one("«Bitches» unfuck")["flagged_word_ratio"] == 0.5
    assert _one("a perfectly clean sentence")["flagged_word_ratio"] == 0.0
    assert _one("fuck you", "other")["flagged_word_ratio"] == 0.0  # no list for 'other'
    # 6 words (ideographs), terms 他妈的 and 傻逼 once each.
    assert _one("你他妈的傻逼", "zh")["flagged_word_ratio"] == pytest.approx(2 / 6)


def test_nulls():
    result = quality_stats(pa.array(["abc", None, ""]), pa.array(["en", "en", None]))
    assert result.null_count == 1 and not result.is_valid()[1].as_py()
    assert result.to_pylist()[2] == dict.fromkeys(FIELD_NAMES, 0)  # null lang: 'other'
    assert quality_stats(pa.array([None, None], pa.string()), pa.array(["en", "zh"])).null_count == 2
    assert len(quality_stats(pa.array([], pa.string()), pa.array([], pa.string()))) == 0


# ----- fast path == reference ----------------------------------------------------------------


def test_fast_equals_reference_on_edge_cases():
    texts, langs = zip(*EDGE_CASES)
    for fast, text, lang in zip(_fast(texts, langs), texts, langs):
        _assert_same(fast, reference_stats(text, lang), repr(text))
    for lang in ("en", "zh", "other"):  # every edge case under every language
        for fast, text in zip(_fast(texts, [lang] * len(texts)), texts):
            _assert_same(fast, reference_stats(text, lang), f"{lang}: {text!r}")


def test_fast_equals_reference_on_real_rows(real_rows):
    texts, langs = zip(*real_rows)
    fast = _fast(texts, langs)
    for got, text, lang in zip(fast, texts, langs):
        _assert_same(got, reference_stats(text, lang), text[:80])
    assert any(row["char_rep_ratio"] > 0 for row in fast)  # the n-gram paths are exercised
    assert any(row["word_rep_ratio"] > 0 for row in fast)


def test_input_layouts(real_rows):
    texts, langs = zip(*real_rows[:300])
    texts = list(texts) + [None]
    langs = list(langs) + ["en"]
    expected = _fast(texts, langs)
    plain, lang_array = pa.array(texts), pa.array(langs)
    assert quality_stats(plain.slice(100, 150), lang_array.slice(100, 150)).to_pylist() == expected[100:250]
    assert quality_stats(plain.cast(pa.large_string()), lang_array).to_pylist() == expected
    chunked = pa.chunked_array([texts[:120], texts[120:]])
    assert quality_stats(chunked, lang_array).to_pylist() == expected
    with pytest.raises(ValueError):
        quality_stats(plain, lang_array.slice(1))


# ----- types, tables, word lists -------------------------------------------------------------


def test_output_type_is_result_types_arrow_equivalent():
    con = duckdb.connect()
    arrow_of_result_type = con.sql(f"SELECT CAST(NULL AS {RESULT_TYPE}) AS s").to_arrow_table().schema.field("s").type
    con.close()
    assert arrow_of_result_type == ARROW_TYPE
    assert quality_stats(pa.array(["x"]), pa.array(["en"])).type == arrow_of_result_type


def test_code_point_tables_match_str_methods():
    tables = lookup_tables.tables()
    everything = lookup_tables.all_code_points()
    isalnum = np.fromiter((ch.isalnum() for ch in everything), bool, len(everything))
    isspace = np.fromiter((ch.isspace() for ch in everything), bool, len(everything))
    assert np.array_equal((tables.char_class & charsets.ALNUM) != 0, isalnum)
    assert np.array_equal((tables.char_class & charsets.SPACE) != 0, isspace)
    special = np.flatnonzero(tables.char_class & charsets.SPECIAL)
    assert {chr(cp) for cp in special} == {ch for ch in charsets.SPECIAL_CHARACTERS if len(ch) == 1}
    # emoji==2.2.0 (Data-Juicer's pin) has 1386 single-code-point emoji.
    assert sum(hi - lo + 1 for lo, hi in charsets.EMOJI_CODEPOINT_RANGES) == 1386


def test_flagged_word_lists():
    english, chinese = charsets.flagged_words("en"), charsets.flagged_words("zh")
    assert len(english) >= 100 and all(w.isascii() and w == w.lower() for w in english)
    assert len(chinese) >= 50 and all(any(is_cjk(ch) for ch in w) for w in chinese)
    # No zh term inside another, so one occurrence is never counted twice.
    assert not [(a, b) for a in chinese for b in chinese if a != b and a in b]
    assert charsets.flagged_words("other") == ()


# ----- DuckDB --------------------------------------------------------------------------------


def test_registered_in_duckdb(real_rows):
    rows = (real_rows * 2)[:3000] + [(None, "en")]
    table = pa.table({"text": [t for t, _ in rows], "lang": [lang for _, lang in rows]})
    con = duckdb.connect()
    con.create_function(
        "qs",
        lambda t, langs: quality_stats(t.combine_chunks(), langs.combine_chunks()),
        [T.VARCHAR, T.VARCHAR],
        RESULT_TYPE,
        type="arrow",
    )
    con.register("texts", table)
    got = con.sql("SELECT qs(text, lang) AS s FROM texts").to_arrow_table()
    by_field = con.sql(
        "SELECT sum(s.n_chars), count(s), max(s.char_rep_ratio) FROM (SELECT qs(text, lang) AS s FROM texts)"
    ).fetchall()[0]
    con.close()
    expected = quality_stats(table["text"], table["lang"])
    assert got.column("s").type == ARROW_TYPE
    assert got.column("s").to_pylist() == expected.to_pylist()
    assert by_field[0] == sum(len(t) for t, _ in rows if t is not None)
    assert by_field[1] == len(rows) - 1


def test_fast_path_is_much_faster_than_reference(real_rows):
    texts, langs = zip(*real_rows)
    text_array, lang_array = pa.array(texts), pa.array(langs)
    quality_stats(text_array.slice(0, 10), lang_array.slice(0, 10))  # compile / load cache
    start = time.perf_counter()
    quality_stats(text_array, lang_array)
    fast = time.perf_counter() - start
    start = time.perf_counter()
    for text, lang in zip(texts[:500], langs[:500]):
        reference_stats(text, lang)
    reference = (time.perf_counter() - start) * len(texts) / 500
    print(f"fast {len(texts) / fast:,.0f} rows/s, reference {len(texts) / reference:,.0f} rows/s")
    assert fast * 5 < reference


# ----- exact-dedup key ------------------------------------------------------------------------


def reference_exact_key(text: str) -> str:
    return "".join(c if c == "\u0130" else c.lower() for c in text if c.isalnum())


def test_exact_key_keeps_lowercased_letters_and_digits():
    texts = ["Hello, World! 123", "ȺBC Σ ΣΑΣ", "İstanbul", "中文，标点。１２３", "", None, "a_b-c\n\tD", "🙂x"]
    assert exact_keys(pa.array(texts)).to_pylist() == [
        "helloworld123",
        "ⱥbcσσασ",
        "İstanbul",
        "中文标点１２３",
        "",
        None,
        "abcd",
        "x",
    ]


def test_exact_key_equals_reference_on_real_rows(real_rows):
    texts = [text for text, _ in real_rows]
    got = exact_keys(pa.array(texts)).to_pylist()
    assert got == [reference_exact_key(t) for t in texts]
    sliced = exact_keys(pa.array(texts).slice(7, 3000)).to_pylist()
    assert sliced == got[7:3007]


def test_lookup_tables_cached_on_disk_equal_freshly_built(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTMART_CACHE", str(tmp_path))
    lookup_tables.tables.cache_clear()
    try:
        first = lookup_tables.tables()  # builds and stores
        assert lookup_tables.tables_cache_path().exists()
        lookup_tables.tables.cache_clear()
        monkeypatch.setattr(lookup_tables, "build_tables", lambda: pytest.fail("rebuilt despite the cache"))
        loaded = lookup_tables.tables()
        assert all(np.array_equal(getattr(first, f), getattr(loaded, f)) for f in first._fields)
    finally:
        lookup_tables.tables.cache_clear()


def test_lookup_tables_survive_concurrent_first_use(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("SFTMART_CACHE", str(tmp_path))
    lookup_tables.tables.cache_clear()
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: lookup_tables.tables(), range(4)))
        assert all(np.array_equal(r.lowercase, results[0].lowercase) for r in results)
        # and processes racing to store the same file: each writes its own staging file, then renames
        for _ in range(2):
            assert lookup_tables.load_or_build_tables().char_class.shape == results[0].char_class.shape
            lookup_tables.tables_cache_path().unlink()
    finally:
        lookup_tables.tables.cache_clear()
