import pyarrow as pa

from udfs.lang import (
    DISTINCT_SCRIPT_LANGUAGES,
    ONLY_HAN,
    ONLY_LATIN,
    SCRIPT_PREFIX_CHARS,
    UNDECIDED,
    detect_language,
    prefix_scripts,
    ranked_tags,
    tag_texts,
)


def sample_text(r: dict) -> str:
    return "\n".join(p for p in (r["instruction"], r.get("input") or "", r["output"]) if p)


def test_real_alpaca_cot_rows_are_tagged_right_at_least_99_percent(real_en, real_zh):
    en = [sample_text(r) for r in real_en[::4]]
    zh = [sample_text(r) for r in real_zh[::2]]
    en_tags, _ = tag_texts(en)
    zh_tags, _ = tag_texts(zh)
    assert sum(t == "en" for t in en_tags) / len(en) >= 0.99
    assert sum(t == "zh" for t in zh_tags) / len(zh) >= 0.99


def test_other_languages_and_empty_text():
    tags, scores = tag_texts(
        [
            "La capitale de la France est Paris. Elle est célèbre pour ses musées et ses monuments.",
            "Дети играют во дворе, а родители сидят на скамейке и разговаривают.",
            "",
        ]
    )
    assert tags == ["other", "other", "other"]
    assert scores[2] == 0.0 and 0 < scores[0] <= 1


def test_arrow_udf_keeps_nulls_and_returns_struct():
    result = detect_language(
        pa.array(["The quick brown fox jumps over the lazy dog.", None, "今天天气很好，我们去公园散步吧。"])
    )
    rows = result.to_pylist()
    assert rows[0]["lang"] == "en" and rows[2]["lang"] == "zh"
    assert rows[1] is None
    assert all(0 < r["score"] <= 1 for r in (rows[0], rows[2]))


def test_script_scan_settles_only_what_lingua_settles_by_script(real_en, real_zh):
    texts = [sample_text(r) for r in real_en[::3] + real_zh]
    scripts = prefix_scripts(pa.array(texts))
    decided = [i for i, s in enumerate(scripts) if s != UNDECIDED]
    assert len(decided) > 0.8 * len(texts)  # the scan does carry the load
    tags, scores = ranked_tags([texts[i][:SCRIPT_PREFIX_CHARS] for i in decided], DISTINCT_SCRIPT_LANGUAGES)
    expected = ["en" if scripts[i] == ONLY_LATIN else "zh" for i in decided]
    assert tags == expected
    assert set(scores) == {1.0}


def test_script_scan_leaves_mixed_and_other_scripts_to_lingua():
    cases = {
        "Straße, café and naïve — 42 × 7": ONLY_LATIN,
        "中文，标点。「引号」１２３": ONLY_HAN,
        "Hello 世界": UNDECIDED,
        "こんにちは世界": UNDECIDED,
        "안녕하세요": UNDECIDED,
        "Привет": UNDECIDED,
        "12345 !! ...": UNDECIDED,
        "〇": UNDECIDED,
        "x" * SCRIPT_PREFIX_CHARS + "世界": ONLY_LATIN,  # only the prefix counts
    }
    assert prefix_scripts(pa.array(list(cases))).tolist() == list(cases.values())
    assert prefix_scripts(pa.array([None, ""], pa.string())).tolist() == [UNDECIDED, UNDECIDED]


def test_lang_model_hands_the_udf_the_prefix_it_reads():
    import re

    from sftmart.paths import DBT_PROJECT_DIR
    from udfs.lang import DETECTION_PREFIX_CHARS

    sql = (DBT_PROJECT_DIR / "models" / "intermediate" / "int_records_lang_tagged.sql").read_text()
    assert re.findall(r"left\(sample_text, (\d+)\)", sql) == [str(DETECTION_PREFIX_CHARS)]
