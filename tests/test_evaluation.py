"""The evaluator's metrics against hand-computed values on a tiny random model (evaluation/)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from lm_fixtures import make_tiny_model_dir

from evaluation import evaluate as evaluate_module
from evaluation import evaluate_model, rouge_l
from evaluation.generation import greedy_generations
from evaluation.models import load_eval_model
from evaluation.multiple_choice import choice_correct, option_logliks
from evaluation.responses import response_nlls
from udfs.lm_scoring.sequences import _encode, bos_prefix

ROWS = [
    {"eval_id": "q1", "eval_set": "qa-en", "lang": "en", "prompt": "Name a colour.", "response": "Blue is a colour."},
    {"eval_id": "q2", "eval_set": "qa-en", "lang": "en", "prompt": "Add 2 and 3.", "response": "5"},
    {"eval_id": "q3", "eval_set": "qa-zh", "lang": "zh", "prompt": "天空是什么颜色？", "response": "天空是蓝色的。"},
    {
        "eval_id": "m1",
        "eval_set": "mc-en",
        "lang": "en",
        "prompt": "Which is a fruit?",
        "response": "apple",
        "options": ["apple", "a large grey rock", "car"],
        "answer_index": 0,
    },
    {
        "eval_id": "m2",
        "eval_set": "mc-en",
        "lang": "en",
        "prompt": "Pick the even number.",
        "response": "four",
        "options": ["three", "four", "seven hundred and one"],
        "answer_index": 1,
    },
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return make_tiny_model_dir(tmp_path_factory.mktemp("tiny") / "model", seed=3)


def spec(model_dir) -> str:
    return json.dumps({"path": str(model_dir), "device": "cpu", "dtype": "float32", "max_length": 256})


def direct_loglik(model, tokenizer, prompt: str, continuation: str) -> tuple[float, int]:
    """Summed log-probability of the continuation's tokens, from a plain forward pass."""
    bos = bos_prefix(tokenizer)
    p_ids, c_ids = _encode(tokenizer, [prompt, continuation])
    ids = torch.tensor([bos + p_ids + c_ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits[0].float(), -1)
    start = len(bos) + len(p_ids)
    total = sum(logp[t - 1, ids[0, t]].item() for t in range(start, ids.shape[1]))
    return total, len(c_ids)


def test_rouge_l_matches_hand_computed_values():
    # the, cat, on, mat in common: P = R = 4/6
    assert rouge_l("The cat sat on the mat.", "the cat lay on a mat", "en") == pytest.approx(2 / 3)
    # characters without punctuation: 今天天气很好 (6) vs 今天很好 (4), LCS 4: P = 1, R = 2/3
    assert rouge_l("今天天气很好。", "今天，很好", "zh") == pytest.approx(0.8)
    assert rouge_l("abc", "", "en") == 0.0
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"])
    for ref, cand in [("a b c d e", "a c e f"), ("the quick brown fox", "quick fox jumps brown")]:
        assert rouge_l(ref, cand, "en") == pytest.approx(scorer.score(ref, cand)["rougeL"].fmeasure)


def test_response_nll_equals_a_direct_forward_pass(model_dir):
    model = load_eval_model(spec(model_dir), None)
    scored = response_nlls(model, ROWS[:3], progress=False)
    for row, (nll_sum, n) in zip(ROWS, scored):
        loglik, n_direct = direct_loglik(model.causal_lm, model.tokenizer, row["prompt"], row["response"])
        assert n == n_direct
        assert nll_sum == pytest.approx(-loglik, rel=1e-4)


def test_multiple_choice_picks_the_highest_raw_and_per_character_loglik(model_dir, tmp_path):
    model = load_eval_model(spec(model_dir), None)
    mc = [r for r in ROWS if r.get("options")]
    hits = {"acc": 0, "acc_norm": 0}
    for row in mc:
        logliks = [direct_loglik(model.causal_lm, model.tokenizer, row["prompt"], o)[0] for o in row["options"]]
        per_char = [ll / len(o) for ll, o in zip(logliks, row["options"])]
        hits["acc"] += max(range(3), key=lambda i: logliks[i]) == row["answer_index"]
        hits["acc_norm"] += max(range(3), key=lambda i: per_char[i]) == row["answer_index"]
    results = evaluate_model(spec(model_dir), None, ROWS, generation_samples=0, max_new_tokens=4, progress=False)
    got = {(r["eval_set"], r["metric"]): (r["value"], r["n"]) for r in results}
    assert got[("mc-en", "acc")] == (hits["acc"] / 2, 2)
    assert got[("mc-en", "acc_norm")] == (hits["acc_norm"] / 2, 2)
    nll, n = got[("qa-en", "nll")]
    direct = [direct_loglik(model.causal_lm, model.tokenizer, r["prompt"], r["response"]) for r in ROWS[:2]]
    assert n == sum(d[1] for d in direct)
    assert nll == pytest.approx(-sum(d[0] for d in direct) / n, rel=1e-4)
    assert got[("qa-en", "perplexity")][0] == pytest.approx(math.exp(nll))
    assert ("qa-en", "rouge_l") not in got  # generation_samples 0: no generations


def test_option_loglik_is_the_summed_logprob_of_its_tokens(model_dir):
    model = load_eval_model(spec(model_dir), None)
    mc = [r for r in ROWS if r.get("options")]
    for row, logliks in zip(mc, option_logliks(model, mc, progress=False)):
        for option, loglik in zip(row["options"], logliks):
            by_hand = direct_loglik(model.causal_lm, model.tokenizer, row["prompt"], option)[0]
            assert loglik == pytest.approx(by_hand, rel=1e-4)


def test_acc_and_acc_norm_on_constructed_logliks():
    # raw sums pick "a" (-2 > -5); per character "bbbbbbbbbb" (-5/10 = -0.5 > -2/1)
    assert choice_correct(["a", "bbbbbbbbbb"], [-2.0, -5.0], 0) == (True, False)
    assert choice_correct(["a", "bbbbbbbbbb"], [-2.0, -5.0], 1) == (False, True)
    # characters, not UTF-8 bytes: per character -1.5 vs -1.1 picks "abc"; per byte (-3/6) would pick 北京
    assert choice_correct(["北京", "abc"], [-3.0, -3.3], 1) == (False, True)
    # a tie goes to the first option (numpy's argmax in lm-eval)
    assert choice_correct(["x", "y"], [-1.0, -1.0], 0) == (True, True)
    assert choice_correct(["x", "y"], [-1.0, -1.0], 1) == (False, False)


def test_batched_greedy_generation_equals_one_prompt_at_a_time(model_dir):
    model = load_eval_model(spec(model_dir), None)
    prompts = [r["prompt"] for r in ROWS]
    batched = greedy_generations(model, prompts, max_new_tokens=6, progress=False)
    for prompt, text in zip(prompts, batched):
        ids = torch.tensor([bos_prefix(model.tokenizer) + _encode(model.tokenizer, [prompt])[0]])
        alone = model.causal_lm.generate(input_ids=ids, max_new_tokens=6, do_sample=False, pad_token_id=2)
        assert text == model.tokenizer.decode(alone[0, ids.shape[1] :], skip_special_tokens=True)


def test_adapter_is_evaluated_unmerged_like_the_merged_model(model_dir, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(model_dir))
    torch.manual_seed(0)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(base, lora)
    peft_model.save_pretrained(str(tmp_path / "adapter"))
    merged = peft_model.merge_and_unload()
    merged.save_pretrained(str(tmp_path / "merged"))
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (tmp_path / "merged" / name).write_bytes((model_dir / name).read_bytes())

    adapted = response_nlls(load_eval_model(spec(model_dir), str(tmp_path / "adapter")), ROWS, progress=False)
    via_merge = response_nlls(load_eval_model(spec(tmp_path / "merged"), None), ROWS, progress=False)
    plain = response_nlls(load_eval_model(spec(model_dir), None), ROWS, progress=False)
    for a, m, p in zip(adapted, via_merge, plain):
        assert a[1] == m[1] and a[0] == pytest.approx(m[0], rel=1e-4, abs=1e-4)
        assert a[0] != pytest.approx(p[0], rel=1e-3)  # the adapter changes the scores


@pytest.mark.filterwarnings("ignore:.*(ensure_weight_tying|save_embedding_layers).*:UserWarning")
def test_an_adapter_on_the_lm_head_is_refused(model_dir, tmp_path):
    """The scorer reads the LM head's weight directly: a LoRA on it would be ignored silently."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(model_dir))
    get_peft_model(base, LoraConfig(r=2, target_modules=["lm_head"])).save_pretrained(str(tmp_path / "head"))
    with pytest.raises(ValueError, match="adapter on the LM head"):
        load_eval_model(spec(model_dir), str(tmp_path / "head"))
    with pytest.raises(FileNotFoundError, match="no peft adapter"):
        evaluate_model(spec(model_dir), str(tmp_path), ROWS, 0, 4, progress=False)


def test_cache_serves_a_rerun_without_loading_a_model(model_dir, tmp_path, monkeypatch):
    cache = str(tmp_path / "eval_cache.sqlite")
    first = evaluate_model(spec(model_dir), None, ROWS, 2, 4, cache_path=cache, progress=False)
    assert {r["metric"] for r in first} == {"nll", "perplexity", "acc", "acc_norm", "rouge_l"}

    def no_model(*args):
        raise AssertionError("the cache should have served this")

    monkeypatch.setattr(evaluate_module, "load_eval_model", no_model)
    assert evaluate_model(spec(model_dir), None, list(reversed(ROWS)), 2, 4, cache_path=cache, progress=False) == first
    with pytest.raises(AssertionError, match="cache should have served"):
        evaluate_model(spec(model_dir), None, ROWS[:-1], 2, 4, cache_path=cache, progress=False)


def test_model_layer_off_leaves_typed_empty_evaluation_tables(validated_warehouse):
    import duckdb

    _, db_path, _ = validated_warehouse  # built with model_layer false
    with duckdb.connect(str(db_path), read_only=True) as con:
        counts = [
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("intermediate.int_models_to_evaluate", "marts.mart_eval_results", "marts.mart_eval_item_nll")
        ]
        types = dict(con.execute("select column_name, column_type from (describe marts.mart_eval_results)").fetchall())
    assert counts == [0, 0, 0]
    assert types == {
        "arm": "VARCHAR",
        "seed": "INTEGER",
        "budget_fraction": "DOUBLE",
        "model_run": "VARCHAR",
        "eval_set": "VARCHAR",
        "lang": "VARCHAR",
        "metric": "VARCHAR",
        "value": "DOUBLE",
        "n": "BIGINT",
    }
