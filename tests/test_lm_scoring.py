"""Per-sample LM scoring (udfs/lm_scoring/) on a tiny random Llama with SmolLM2's tokenizer."""

from __future__ import annotations

import json
import math
import sqlite3

import duckdb
import pytest

torch = pytest.importorskip("torch")

from lm_fixtures import make_tiny_model_dir  # noqa: E402

from udfs import lm_scoring as L  # noqa: E402
from udfs.lm_scoring import specs  # noqa: E402
from udfs.lm_scoring.scorer import score_positions  # noqa: E402

PROMPTS = [
    "Below is an instruction. Write a response.\n\n### Instruction:\nName a colour.\n\n### Response:\n",
    "Q: 2 + 2?\nA:",
    "Translate to French: the cat sleeps on the mat, and the dog watches it from the door. " * 6,
    "Hi",
    "Summarise: " + "the quick brown fox jumps over the lazy dog; " * 12,
]
RESPONSES = [
    "Blue.",
    " 4",
    "Le chat dort sur le tapis, et le chien le regarde depuis la porte.",
    "Hello! How can I help you today? I can answer questions about many topics.",
    "A fox jumps over a dog, many times.",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return make_tiny_model_dir(tmp_path_factory.mktemp("tiny-lm") / "model")


@pytest.fixture(scope="module")
def model_and_tokenizer(model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(min(2, torch.get_num_threads()))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    with torch.no_grad():  # sharpen the random model so distributions are far from uniform
        model.get_output_embeddings().weight.mul_(25.0)
    return model, AutoTokenizer.from_pretrained(str(model_dir))


def ids_of(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def manual_scores(model, ids, start):
    """Full forward of one unpadded sequence; float64 softmax by hand over the tokens from `start`."""
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits, -1)
    ent, nll = [], []
    if start >= len(ids):
        return {"n_tokens": 0, "mean_entropy": None, "mean_nll": None, "perplexity": None}
    for t in range(start, len(ids)):
        p = logp[t - 1].exp()
        ent.append(float(-(p * logp[t - 1]).sum()))
        nll.append(float(-logp[t - 1, ids[t]]))
    return {
        "n_tokens": len(ent),
        "mean_entropy": sum(ent) / len(ent),
        "mean_nll": sum(nll) / len(nll),
        "perplexity": math.exp(sum(nll) / len(nll)),
    }


def assert_close(a, b, tol=1e-4):
    assert a["n_tokens"] == b["n_tokens"]
    for key in ("mean_entropy", "mean_nll"):
        if a[key] is None or b[key] is None:
            assert a[key] is b[key] is None
        else:
            assert abs(a[key] - b[key]) <= tol, (key, a[key], b[key])


def test_two_token_vocab_by_hand():
    # logits [0, ln 3] -> p = [1/4, 3/4]
    hidden = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    weight = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])
    entropy, nll = score_positions(hidden, torch.tensor([0, 1]), (weight, None, None, None), chunk=1)
    h = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert entropy[0].item() == pytest.approx(h, abs=1e-6)
    assert nll[0].item() == pytest.approx(math.log(4.0), abs=1e-6)
    # second row: logits [0, 0] -> uniform
    assert entropy[1].item() == pytest.approx(math.log(2.0), abs=1e-6)
    assert nll[1].item() == pytest.approx(math.log(2.0), abs=1e-6)


def test_matches_manual_log_softmax(model_and_tokenizer):
    model, tok = model_and_tokenizer
    got = L.score_samples(model, tok, PROMPTS, RESPONSES, progress=False)
    for prompt, response, score in zip(PROMPTS, RESPONSES, got):
        p, r = ids_of(tok, prompt), ids_of(tok, response)
        want = manual_scores(model, p + r, len(p))
        assert_close(score, want, tol=1e-4)
        assert score["perplexity"] == pytest.approx(math.exp(score["mean_nll"]))
    entropies = [s["mean_entropy"] for s in got]
    assert 0.0 < min(entropies) and max(entropies) < math.log(49152) and max(entropies) - min(entropies) > 0.1


def test_independent_of_batch_composition_and_padding(model_and_tokenizer):
    model, tok = model_and_tokenizer
    alone = [L.score_samples(model, tok, [p], [r], progress=False)[0] for p, r in zip(PROMPTS, RESPONSES)]
    neighbours_p = PROMPTS + ["short", "long neighbour " * 60, "x"]
    neighbours_r = RESPONSES + ["y", "z " * 50, "a b c"]
    for budget in (64, 300, 100_000):  # many small batches ... everything padded into one batch
        mixed = L.score_samples(model, tok, neighbours_p, neighbours_r, max_tokens_per_batch=budget, progress=False)
        for a, b in zip(alone, mixed):
            assert_close(a, b, tol=1e-4)


def test_scope_prompt_vs_response(model_and_tokenizer):
    model, tok = model_and_tokenizer
    resp = L.score_samples(model, tok, PROMPTS, RESPONSES, scope="response", progress=False)
    prom = L.score_samples(model, tok, PROMPTS, RESPONSES, scope="prompt", progress=False)
    for prompt, response, r, p in zip(PROMPTS, RESPONSES, resp, prom):
        assert r["n_tokens"] == len(ids_of(tok, response))
        assert p["n_tokens"] == len(ids_of(tok, prompt)) - 1  # from the prompt's 2nd token
        assert_close(p, manual_scores(model, ids_of(tok, prompt), 1))
    # prompt scores do not look at the response; response scores are conditioned on the prompt
    other = L.score_samples(
        model, tok, PROMPTS, ["something else entirely"] * len(PROMPTS), scope="prompt", progress=False
    )
    for a, b in zip(prom, other):
        assert_close(a, b, tol=1e-6)
    moved = L.score_samples(model, tok, ["A different prompt:"] * len(PROMPTS), RESPONSES, progress=False)
    assert any(abs(a["mean_nll"] - b["mean_nll"]) > 1e-3 for a, b in zip(resp, moved))


def test_truncation_from_the_left_of_the_prompt(model_and_tokenizer):
    model, tok = model_and_tokenizer
    prompt, response = PROMPTS[2], RESPONSES[2]
    p, r = ids_of(tok, prompt), ids_of(tok, response)
    max_length = len(r) + 10
    got = L.score_samples(model, tok, [prompt], [response], max_length=max_length, progress=False)[0]
    assert_close(got, manual_scores(model, p[-10:] + r, 10))
    # the response alone does not fit: not scored; an empty response: nothing to score
    null = {"n_tokens": 0, "mean_entropy": None, "mean_nll": None, "perplexity": None}
    too_long, empty = L.score_samples(
        model, tok, [prompt, prompt], [response, ""], max_length=len(r) - 1, progress=False
    )
    assert too_long == empty == null
    # the response fits only without any prompt token: its first token would have no context
    assert L.score_samples(model, tok, [prompt], [response], max_length=len(r), progress=False)[0] == null
    fits = L.score_samples(model, tok, [prompt], [response], max_length=len(r) + 1, progress=False)[0]
    assert_close(fits, manual_scores(model, p[-1:] + r, 1))
    got = L.score_samples(model, tok, [prompt], [""], scope="prompt", max_length=16, progress=False)[0]
    assert_close(got, manual_scores(model, p[-16:], 1))


def items_of(prompts, responses):
    return [{"content_hash": L.content_hash(p, r), "prompt": p, "response": r} for p, r in zip(prompts, responses)]


def refusing_loader():
    raise AssertionError("the model must not be loaded when everything is cached")


def test_cache_hit_never_loads_the_model(model_and_tokenizer, tmp_path):
    model, tok = model_and_tokenizer
    cache = tmp_path / "scores.sqlite"
    items = items_of(PROMPTS, RESPONSES) + items_of(PROMPTS[:1], RESPONSES[:1])  # one duplicate
    calls = []

    def loader():
        calls.append(1)
        return model, tok

    first = L.score_with_cache(cache, loader, "fp-1", items, "response", progress=False)
    assert calls == [1]
    second = L.score_with_cache(cache, refusing_loader, "fp-1", items, "response", progress=False)
    assert first == second and first[0] == first[-1]
    with sqlite3.connect(cache) as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert conn.execute("select count(*) from lm_scores").fetchone()[0] == len(PROMPTS)
    # another scope or fingerprint is another key
    with pytest.raises(AssertionError, match="must not be loaded"):
        L.score_with_cache(cache, refusing_loader, "fp-1", items, "prompt", progress=False)
    with pytest.raises(AssertionError, match="must not be loaded"):
        L.score_with_cache(cache, refusing_loader, "fp-2", items, "response", progress=False)


def test_resume_after_interrupted_run(model_and_tokenizer, tmp_path):
    model, tok = model_and_tokenizer
    prompts = [f"Prompt number {i}: " + "word " * (i * 3) for i in range(24)]
    responses = [f"Answer {i}" + " more" * (i % 7) for i in range(24)]
    items = items_of(prompts, responses)
    kwargs = {"max_tokens_per_batch": 200, "progress": False}
    reference = L.score_with_cache(tmp_path / "ref.sqlite", lambda: (model, tok), "fp", items, **kwargs)
    n_batches = len(L.plan_batches([s for s in L.build_sequences(tok, prompts, responses, "response", 1024) if s], 200))
    assert n_batches >= 4

    rows_seen = []

    def counting_hook(_module, args, kwargs_):
        rows_seen.append(kwargs_["input_ids"].shape[0])
        if fail_after is not None and len(rows_seen) > fail_after:
            raise KeyboardInterrupt("killed mid-run")

    handle = model.base_model.register_forward_pre_hook(counting_hook, with_kwargs=True)
    try:
        fail_after = 2
        with pytest.raises(KeyboardInterrupt):
            L.score_with_cache(tmp_path / "run.sqlite", lambda: (model, tok), "fp", items, **kwargs)
        done = sum(rows_seen[:2])
        with sqlite3.connect(tmp_path / "run.sqlite") as conn:
            assert conn.execute("select count(*) from lm_scores").fetchone()[0] == done
        rows_seen.clear()
        fail_after = None
        resumed = L.score_with_cache(tmp_path / "run.sqlite", lambda: (model, tok), "fp", items, **kwargs)
    finally:
        handle.remove()
    assert sum(rows_seen) == len(items) - done  # only the rest was scored
    for a, b in zip(reference, resumed):
        assert_close(a, b, tol=1e-5)


def test_udf_through_duckdb_list_unnest_pattern(model_dir, tmp_path, monkeypatch):
    pytest.importorskip("training.models")
    from duckdb import sqltypes as T

    from training.models import ModelSpec, load_model_and_tokenizer

    con = duckdb.connect()
    con.create_function(
        "sftmart_lm_scores",
        L.lm_scores_udf,
        [L.ITEM_LIST_TYPE, T.VARCHAR, T.VARCHAR, T.VARCHAR],
        L.RESULT_TYPE,
        type="arrow",
    )
    rows = [(f"s{i}", p, r) for i, (p, r) in enumerate(zip(PROMPTS * 3, RESPONSES * 3))]
    rows.append(("empty", "just a prompt", ""))
    con.execute("create table pool (sample_id varchar, prompt varchar, response varchar)")
    con.executemany("insert into pool values (?, ?, ?)", rows)
    spec = json.dumps({"path": str(model_dir), "max_length": 256, "progress": False})
    cache = tmp_path / "warehouse.scores.sqlite"
    sql = """
    with s as (select sample_id, md5(prompt || chr(31) || response) as content_hash, prompt, response,
                      length(prompt) + length(response) as n_chars from pool),
    buckets as (select list({'sample_id': sample_id, 'content_hash': content_hash, 'prompt': prompt,
                             'response': response} order by n_chars) as items
                from (select *, (row_number() over (order by n_chars)) // 4 as bucket from s) group by bucket)
    select unnest(sftmart_lm_scores(items, $spec, 'response', $cache), recursive := true) from buckets
    """
    assert con.execute("select md5(? || chr(31) || ?)", [PROMPTS[0], RESPONSES[0]]).fetchone()[0] == L.content_hash(
        PROMPTS[0], RESPONSES[0]
    )
    result = con.execute(sql, {"spec": spec, "cache": str(cache)}).fetchall()
    columns = [d[0] for d in con.description]
    assert columns == ["sample_id", "n_tokens", "mean_entropy", "mean_nll", "perplexity"]
    got = {r[0]: dict(zip(columns[1:], r[1:])) for r in result}
    assert set(got) == {r[0] for r in rows}
    assert got["empty"] == {"n_tokens": 0, "mean_entropy": None, "mean_nll": None, "perplexity": None}

    model, tok = load_model_and_tokenizer(ModelSpec(path=str(model_dir)))
    direct = L.score_samples(model, tok, PROMPTS, RESPONSES, progress=False)
    for sample_id, prompt, _response in rows[:-1]:
        assert_close(got[sample_id], direct[PROMPTS.index(prompt)], tol=1e-4)
    with sqlite3.connect(cache) as conn:
        assert conn.execute("select count(*) from lm_scores").fetchone()[0] == len(PROMPTS) + 1

    # a rebuild is served from the cache without loading or calling the model
    specs._load_cached.cache_clear()
    monkeypatch.setattr(specs, "_load_cached", lambda *_: refusing_loader())
    again = con.execute(sql, {"spec": spec, "cache": str(cache)}).fetchall()
    assert sorted(again, key=lambda r: r[0]) == sorted(result, key=lambda r: r[0])
    assert (
        con.execute(
            "select sftmart_lm_scores(null, $spec, 'response', $cache)", {"spec": spec, "cache": str(cache)}
        ).fetchone()[0]
        is None
    )


def test_required_bos_is_prepended(model_and_tokenizer, model_dir):
    """A tokenizer that adds BOS itself gets it in front; then the prompt's 1st token is scored too."""
    from tokenizers import Tokenizer
    from tokenizers.processors import TemplateProcessing

    model, tok = model_and_tokenizer
    raw = Tokenizer.from_file(str(model_dir / "tokenizer.json"))  # plain `tokenizers` works as well
    assert L.bos_prefix(raw) == []
    raw.post_processor = TemplateProcessing(single="<|endoftext|> $A", special_tokens=[("<|endoftext|>", 0)])
    assert L.bos_prefix(raw) == [0]
    prompt, response = PROMPTS[0], RESPONSES[0]
    p, r = ids_of(tok, prompt), ids_of(tok, response)
    got = L.score_samples(model, raw, [prompt], [response], progress=False)[0]
    assert_close(got, manual_scores(model, [0] + p + r, 1 + len(p)))
    got = L.score_samples(model, raw, [prompt], [response], scope="prompt", progress=False)[0]
    assert got["n_tokens"] == len(p)
    assert_close(got, manual_scores(model, [0] + p, 1))
    got = L.score_samples(model, raw, [prompt], [response], scope="prompt", max_length=8, progress=False)[0]
    assert_close(got, manual_scores(model, [0] + p[-7:], 1))
