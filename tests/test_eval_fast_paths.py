"""The evaluator's fast paths against the plain ways, on a tiny random model: batched greedy
generation with the KV cache gives the same token ids as one prompt at a time without a cache, and
options sharing their prompt's forward pass get the log-likelihoods of scoring each sequence whole."""

from __future__ import annotations

import json

import pytest
from lm_fixtures import make_tiny_model_dir

from evaluation.generation import greedy_ids, greedy_ids_plain, prompt_ids
from evaluation.models import load_eval_model
from evaluation.multiple_choice import option_logliks

PROMPTS = [
    "Name a colour.",
    "Add 2 and 3.",
    "天空是什么颜色？",
    "Write one long sentence about the sea and the sky.",
    "Hi",
]
MC = [
    {"prompt": "Which is a fruit?", "options": ["apple", "a large grey rock", "car"]},
    {"prompt": "Pick the even number, please.", "options": ["three", "four", "seven hundred and one", "8"]},
    {"prompt": "哪个是水果？", "options": ["苹果", "石头"]},
    {"prompt": "Short?", "options": ["yes", ""]},  # an empty option: -inf, the plain way
    {"prompt": "word " * 60, "options": ["a", "b " * 30]},  # prompt cut to fit the long option: plain way
]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = make_tiny_model_dir(tmp_path_factory.mktemp("tiny") / "model", seed=5)
    spec = json.dumps({"path": str(path), "device": "cpu", "dtype": "float32", "max_length": 64})
    return load_eval_model(spec, None)


def test_batched_greedy_with_kv_cache_equals_the_plain_loop(model):
    import torch

    ids = prompt_ids(model.tokenizer, PROMPTS, model.max_length, 12)
    with torch.inference_mode():
        plain = greedy_ids_plain(model.scoring_model, ids, 12, eos_id=model.tokenizer.eos_token_id)
        # an end-of-sequence id that one prompt first reaches at its k-th new token (k >= 3): that
        # row stops there while the others go on
        r, k = next((r, k) for r, p in enumerate(plain) for k in range(2, 11) if p[k] not in p[:k])
        eos = plain[r][k]
        plain_eos = greedy_ids_plain(model.scoring_model, ids, 12, eos_id=eos)
        for rows in (2, 16):
            assert greedy_ids(model.scoring_model, ids, 12, model.tokenizer.eos_token_id, rows=rows) == plain
            assert greedy_ids(model.scoring_model, ids, 12, eos, rows=rows) == plain_eos
    assert plain_eos[r] == plain[r][: k + 1]
    assert any(len(p) == 12 for p in plain_eos)


def test_options_sharing_the_prompt_pass_match_the_plain_way(model):
    shared = option_logliks(model, MC, progress=False, shared=True)
    plain = option_logliks(model, MC, progress=False, shared=False)
    assert [len(x) for x in shared] == [len(r["options"]) for r in MC]
    for s_row, p_row in zip(shared, plain):
        for s, p in zip(s_row, p_row):
            assert s == p if p == float("-inf") else abs(s - p) <= 1e-4
    assert shared[3][1] == float("-inf") and shared[3][0] > float("-inf")


def test_a_multiple_choice_rows_response_nll_comes_from_its_options_pass(model):
    from evaluation.responses import response_nlls

    rows = [dict(r, response=r["options"][0]) for r in MC] + [{"prompt": "Say hi.", "response": "hi there"}]
    rows[1]["response"] = "not an option"  # scored the plain way
    model.memo.clear()
    shared = response_nlls(model, rows, progress=False, shared=True)
    assert ("options", True, MC[0]["prompt"], tuple(MC[0]["options"])) in model.memo  # filled for option_logliks
    plain = response_nlls(model, rows, progress=False, shared=False)
    assert [s is None for s in shared] == [p is None for p in plain]
    for s, p in zip(shared, plain):
        if s is not None:
            assert s[1] == p[1] and abs(s[0] - p[0]) <= 1e-4
