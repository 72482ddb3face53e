"""The numba byte-level BPE counter against Hugging Face `tokenizers` itself."""

import json
import threading

import pyarrow as pa
import pytest
from tokenizers import Tokenizer

from udfs.bpe_count import build_counter
from udfs.tokens import load_tokenizer

EDGE_CASES = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n\n",
    " \n ",
    "a",
    " a",
    "  a",
    "a  ",
    "a \n b",
    "\t\tx",
    " \tx",
    "x\t ",
    "don't we'll they're I've you'd I'm it's",
    "'s 't 'S 'ss ''s",
    "x'll'",
    "'",
    " '",
    "?!'s",
    "x 12345",
    "x  12",
    "1 2  3\n4",
    "a1b2",
    "½ ² ١٢٣ Ⅻ 〇",
    "12.5%",
    "  7",
    "价格是 3,450 元。",
    "中文没有空格的一长串句子用来测试很长的片段" * 20,
    "日本語のテキスト",
    "한국어 텍스트",
    "Ünïcödé — “quotes” ‘single’ …",
    "e\u0301 n\u0303",
    "emoji 🙂🙂 👍🏽 family 👨‍👩‍👧",
    "nbsp\u00a0here\u2003em\u3000ideo",
    "line\u2028sep\u2029para",
    "ctrl\x04\x06\x7f bytes",
    "\x1c\x1d\x1e",
    "def f(x):\n    return x ** 2\n",
    "https://example.com/a?b=c&d=e",
    "ALLCAPS WORDS",
    "ab" * 300,
    "!!!???..." * 50,
    " " * 100 + "x",
    "x" + "\n" * 50,
]


def reference_counts(tokenizer, texts):
    return [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


def counter_and_reference(pre_tokenizer=None):
    spec = json.loads(load_tokenizer("default").to_str())
    spec["added_tokens"] = []  # added tokens are counted by tokenizers itself (udfs.tokens)
    if pre_tokenizer is not None:
        spec["pre_tokenizer"] = pre_tokenizer
    return build_counter(spec), Tokenizer.from_str(json.dumps(spec))


def count(counter, texts):
    return counter.count(pa.array(texts, pa.string())).to_pylist()


@pytest.fixture(scope="module")
def smollm2():
    return counter_and_reference()


def test_edge_cases_count_like_tokenizers(smollm2):
    counter, reference = smollm2
    assert count(counter, EDGE_CASES) == reference_counts(reference, EDGE_CASES)


def test_every_basic_plane_character_in_context_counts_like_tokenizers(smollm2):
    # each character after a letter, a space, a digit and an apostrophe, before spaces and letters:
    # exercises the letter / number / white-space classes the pre-tokenizer needs for it
    counter, reference = smollm2
    texts = [
        f"a{ch}b {ch}1{ch} '{ch}  {ch}x\n{ch}" for ch in map(chr, range(0x10000)) if not 0xD800 <= ord(ch) < 0xE000
    ]
    assert count(counter, texts) == reference_counts(reference, texts)


def test_plain_gpt2_byte_level_without_digit_splitting_counts_like_tokenizers(smollm2, real_en):
    counter, reference = counter_and_reference(
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    )
    assert not counter.tables.split_digits
    texts = EDGE_CASES + [r["output"] for r in real_en[:500]]
    assert count(counter, texts) == reference_counts(reference, texts)


def test_nulls_slices_and_large_strings(smollm2):
    counter, reference = smollm2
    texts = pa.array(["skip me", "one two", None, "三 4"], pa.string()).slice(1)
    assert counter.count(texts).to_pylist() == reference_counts(reference, ["one two"]) + [None] + reference_counts(
        reference, ["三 4"]
    )
    assert counter.count(texts.cast(pa.large_string())).to_pylist() == counter.count(texts).to_pylist()
    assert counter.count(pa.array([], pa.string())).to_pylist() == []


def test_a_full_piece_cache_still_counts_exactly(real_zh):
    spec = json.loads(load_tokenizer("default").to_str())
    spec["added_tokens"] = []
    tiny = build_counter(spec, cache_slots=16, cache_arena_bytes=64)
    reference = Tokenizer.from_str(json.dumps(spec))
    texts = [r["output"] for r in real_zh[:300]] + EDGE_CASES
    assert count(tiny, texts) == reference_counts(reference, texts)
    assert tiny.cache.fill[1] <= 8  # stopped filling at half the slots


def test_threads_counting_at_once_get_their_own_cache_and_the_same_counts(smollm2, real_en):
    counter, reference = smollm2
    texts = [r["instruction"] + " " + r["output"] for r in real_en[:2000]]
    expected = reference_counts(reference, texts)
    results, errors = {}, []

    def work(k):
        try:
            results[k] = [n for i in range(0, len(texts), 256) for n in count(counter, texts[i : i + 256])]
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(results[k] == expected for k in range(4))


def test_tokenizers_that_are_not_plain_byte_level_bpe_get_no_counter():
    spec = json.loads(load_tokenizer("default").to_str())
    for change in (
        {"normalizer": {"type": "NFC"}},
        {"pre_tokenizer": {"type": "Whitespace"}},
        {"model": {**spec["model"], "byte_fallback": True}},
        {"model": {**spec["model"], "ignore_merges": True}},
    ):
        assert build_counter({**spec, **change}) is None


def test_a_bad_cache_size_is_a_clear_error():
    spec = json.loads(load_tokenizer("default").to_str())
    with pytest.raises(ValueError, match="power of two"):
        build_counter(spec, cache_slots=100)
