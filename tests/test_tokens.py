import pyarrow as pa
import pytest

from udfs.tokens import count_tokens, load_tokenizer, token_counts


def test_default_tokenizer_is_smollm2_and_counts_match_encoding():
    tokenizer = load_tokenizer("default")
    assert tokenizer.get_vocab_size() == 49152
    texts = ["Hello world", "你好，世界", ""]
    expected = [len(tokenizer.encode(t, add_special_tokens=False).ids) for t in texts]
    assert token_counts(texts) == expected
    assert expected[0] == 2 and expected[2] == 0


def test_arrow_udf_with_nulls_and_explicit_local_path():
    from sftmart.hf_assets import default_tokenizer_dir

    path = str(default_tokenizer_dir())
    result = count_tokens(pa.array(["one two three", None]), pa.array([path, path]))
    assert result.to_pylist()[1] is None and result.to_pylist()[0] > 0


def test_missing_tokenizer_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        token_counts(["x"], str(tmp_path / "nope"))


def test_smollm2_splits_digits_one_by_one_like_its_own_tokenizer():
    tokenizer = load_tokenizer("default")
    assert tokenizer.encode("x 12345", add_special_tokens=False).tokens == ["x", "Ġ", "1", "2", "3", "4", "5"]


def test_numba_counter_is_used_and_counts_exactly_like_tokenizers_on_real_rows(real_en, real_zh):
    from udfs.tokens import bpe_counter

    assert bpe_counter("default") is not None
    texts = [r["instruction"] + "\n" + (r.get("input") or "") for r in real_en + real_zh]
    texts += [r["output"] for r in real_en + real_zh]
    reference = [len(e.ids) for e in load_tokenizer("default").encode_batch(texts, add_special_tokens=False)]
    assert token_counts(texts) == reference


def test_tokenizers_without_byte_level_bpe_fall_back(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    from udfs.tokens import bpe_counter

    word_level = Tokenizer(models.WordLevel({"hello": 0, "world": 1, "[UNK]": 2}, unk_token="[UNK]"))
    word_level.pre_tokenizer = pre_tokenizers.Whitespace()
    word_level.save(str(tmp_path / "tokenizer.json"))
    assert bpe_counter(str(tmp_path)) is None
    assert token_counts(["hello world again"], str(tmp_path)) == [3]


def test_texts_holding_special_tokens_count_them_as_one_token():
    tokenizer = load_tokenizer("default")
    texts = ["<|im_start|>user\nHi<|im_end|>", "no specials here", "<|endoftext|>"]
    assert token_counts(texts) == [len(tokenizer.encode(t, add_special_tokens=False).ids) for t in texts]
    assert token_counts(["<|endoftext|>"]) == [1]


def test_texts_holding_special_tokens_in_a_batch_keep_their_rows():
    texts = ["plain", None, "a <|im_end|> b", "", "x<|endoftext|>"]
    tokenizer = load_tokenizer("default")
    expected = [None if t is None else len(tokenizer.encode(t, add_special_tokens=False).ids) for t in texts]
    assert count_tokens(pa.array(texts), pa.array(["default"])).to_pylist() == expected


@pytest.mark.parametrize("bos", [False, True])
def test_counts_plus_overhead_are_the_length_training_sees(tmp_path, bos):
    """n_prompt + n_response + training_overhead (int_samples_tokenized.n_training_tokens, checked
    against model_max_length) is the length of the example training/data.py builds, for a tokenizer
    that adds nothing (SmolLM2) and for one that adds a BOS to each prompt."""
    import json
    import shutil

    from lm_fixtures import make_tiny_model_dir

    from training.data import encode_sample
    from training.models import ModelSpec
    from training.models import load_tokenizer as load_training_tokenizer
    from udfs.tokens import training_overhead

    model_dir = make_tiny_model_dir(tmp_path / "model")
    if bos:
        spec = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
        bos_token = {"id": "<|endoftext|>", "ids": [0], "tokens": ["<|endoftext|>"]}
        spec["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
            ],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<|endoftext|>": bos_token},
        }
        shutil.copytree(model_dir, tmp_path / "bos-model")
        model_dir = tmp_path / "bos-model"
        (model_dir / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    path = str(model_dir)
    tokenizer = load_training_tokenizer(ModelSpec(path=path))
    assert training_overhead(path) == (2 if bos else 1)
    for prompt, response in [("Add 17 and 8.", "17 + 8 = 25."), ("请解释。", "水很重要。"), ("Hi", "")]:
        counted = token_counts([prompt, response], path)
        assert sum(counted) + training_overhead(path) == len(encode_sample(tokenizer, prompt, response))
