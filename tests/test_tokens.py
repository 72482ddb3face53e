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
