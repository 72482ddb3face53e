"""IFD and embeddings from the scoring pass (udfs/lm_scoring/), their cache and SQL columns, on a
tiny random Llama with SmolLM2's tokenizer."""

from __future__ import annotations

import json
import math
import sqlite3

import duckdb
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_lm_scoring import PROMPTS, RESPONSES, ids_of, items_of, manual_scores  # noqa: E402

from udfs import lm_scoring as L  # noqa: E402
from udfs.lm_scoring import specs  # noqa: E402
from udfs.registry import register_all  # noqa: E402

BOTH = ("ifd", "embedding")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from lm_fixtures import make_tiny_model_dir

    return make_tiny_model_dir(tmp_path_factory.mktemp("tiny-lm-signals") / "model")


@pytest.fixture(scope="module")
def model_and_tokenizer(model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(min(2, torch.get_num_threads()))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    with torch.no_grad():  # sharpen the random model so distributions are far from uniform
        model.get_output_embeddings().weight.mul_(25.0)
    return model, AutoTokenizer.from_pretrained(str(model_dir))


def direct_embedding(model, ids):
    """The mean of the final hidden state over all tokens of one unpadded sequence, by model(...)."""
    with torch.no_grad():
        out = model(torch.tensor([ids]), output_hidden_states=True)
    return out.hidden_states[-1][0].double().mean(0).numpy()


def test_ifd_equals_hand_computed_nlls(model_and_tokenizer, model_dir):
    from tokenizers import Tokenizer
    from tokenizers.processors import TemplateProcessing

    model, tok = model_and_tokenizer
    got = L.score_samples(model, tok, PROMPTS, RESPONSES, signals=["ifd"], progress=False)
    for prompt, response, score in zip(PROMPTS, RESPONSES, got):
        p, r = ids_of(tok, prompt), ids_of(tok, response)
        conditional = manual_scores(model, p + r, len(p))["mean_nll"]
        unconditional = manual_scores(model, r, 1)  # no BOS: the first response token is not scored
        assert unconditional["n_tokens"] == len(r) - 1
        assert score["mean_nll"] == pytest.approx(conditional, abs=1e-4)
        assert score["mean_nll_unconditional"] == pytest.approx(unconditional["mean_nll"], abs=1e-4)
        assert score["ifd"] == pytest.approx(conditional / unconditional["mean_nll"], rel=1e-4)
        assert "embedding" not in score
    assert len({round(s["ifd"], 3) for s in got}) == len(got)  # a real per-sample signal
    # a tokenizer that adds BOS: every response token is scored given BOS alone
    raw = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    raw.post_processor = TemplateProcessing(single="<|endoftext|> $A", special_tokens=[("<|endoftext|>", 0)])
    [score] = L.score_samples(model, raw, PROMPTS[:1], RESPONSES[:1], signals=["ifd"], progress=False)
    p, r = ids_of(tok, PROMPTS[0]), ids_of(tok, RESPONSES[0])
    unconditional = manual_scores(model, [0] + r, 1)["mean_nll"]
    assert score["mean_nll_unconditional"] == pytest.approx(unconditional, abs=1e-4)
    assert score["ifd"] == pytest.approx(
        manual_scores(model, [0] + p + r, 1 + len(p))["mean_nll"] / unconditional, rel=1e-4
    )


def test_ifd_is_null_where_it_is_undefined(model_and_tokenizer):
    model, tok = model_and_tokenizer
    one_token = next(w for w in (" 4", "A", " yes") if len(ids_of(tok, w)) == 1)
    short, empty, prompt_scope = (
        L.score_samples(model, tok, ["Q?"], [one_token], signals=BOTH, progress=False)[0],
        L.score_samples(model, tok, ["Q?"], [""], signals=BOTH, progress=False)[0],
        L.score_samples(model, tok, ["Q?"], ["Yes it is."], scope="prompt", signals=BOTH, progress=False)[0],
    )
    assert short["n_tokens"] == 1 and short["mean_nll_unconditional"] is None and short["ifd"] is None
    assert short["embedding"] is not None  # the conditional pass ran
    assert empty["n_tokens"] == 0 and empty["ifd"] is None and empty["embedding"] is None
    assert prompt_scope["ifd"] is None and prompt_scope["embedding"].shape == (32,)
    with pytest.raises(ValueError, match="unknown signal"):
        L.score_samples(model, tok, ["Q?"], ["A"], signals=["ifd", "vibes"], progress=False)


def test_embedding_is_the_direct_mean_pool_whatever_the_batch(model_and_tokenizer):
    model, tok = model_and_tokenizer
    want = [direct_embedding(model, ids_of(tok, p) + ids_of(tok, r)) for p, r in zip(PROMPTS, RESPONSES)]
    prompts = PROMPTS + ["short", "long neighbour " * 60, "x"]
    responses = RESPONSES + ["y", "z " * 50, "a b c"]
    for budget in (64, 300, 100_000):  # many small batches ... everything padded into one batch
        got = L.score_samples(model, tok, prompts, responses, signals=BOTH, max_tokens_per_batch=budget, progress=False)
        for w, g in zip(want, got):
            assert g["embedding"].dtype == np.float32 and g["embedding"].shape == w.shape
            assert np.abs(g["embedding"] - w).max() <= 1e-5
    plain = L.score_samples(model, tok, PROMPTS, RESPONSES, progress=False)
    for a, b in zip(plain, got):  # the signals leave the scores as they were
        assert a["mean_nll"] == pytest.approx(b["mean_nll"], abs=1e-5)
        assert a["mean_entropy"] == pytest.approx(b["mean_entropy"], abs=1e-5)


def test_cache_serves_every_signal_without_loading_a_model(model_and_tokenizer, tmp_path):
    model, tok = model_and_tokenizer
    cache = tmp_path / "scores.sqlite"
    items = items_of(PROMPTS, RESPONSES)
    loads = []

    def loader():
        loads.append(1)
        return model, tok

    plain = L.score_with_cache(cache, loader, "fp", items, progress=False)  # a cache from before the signals
    assert loads == [1]
    assert L.score_with_cache(cache, loader, "fp", items, progress=False) == plain and loads == [1]
    first = L.score_with_cache(cache, loader, "fp", items, signals=BOTH, progress=False)
    assert loads == [1, 1]  # the scores alone do not serve a request for signals
    again = L.score_with_cache(cache, loader, "fp", items, signals=BOTH, progress=False)
    only_ifd = L.score_with_cache(cache, loader, "fp", items, signals=["ifd"], progress=False)
    assert loads == [1, 1]
    for a, b, c in zip(first, again, only_ifd):
        assert a["ifd"] == b["ifd"] == c["ifd"] and a["mean_nll_unconditional"] == b["mean_nll_unconditional"]
        assert np.array_equal(a["embedding"], b["embedding"]) and "embedding" not in c
        assert math.isfinite(a["ifd"]) and a["ifd"] > 0
    with sqlite3.connect(cache) as conn:
        counts = [
            conn.execute(f"select count(*) from {t}").fetchone()[0] for t in ("lm_scores", "lm_ifd", "lm_embeddings")
        ]
    assert counts == [len(items)] * 3


def test_cache_written_before_the_signals_still_serves(model_and_tokenizer, tmp_path):
    """A cache file of the previous layout (lm_scores only) opens, serves its scores, gains the rest."""
    model, tok = model_and_tokenizer
    cache = tmp_path / "old.sqlite"
    items = items_of(PROMPTS[:2], RESPONSES[:2])
    with sqlite3.connect(cache) as conn:
        conn.execute(
            "create table lm_scores (content_hash text not null, fingerprint text not null, scope text not null, "
            "n_tokens integer not null, mean_entropy real, mean_nll real, perplexity real, "
            "primary key (content_hash, fingerprint, scope)) without rowid"
        )
        conn.executemany(
            "insert into lm_scores values (?, 'fp', 'response', 3, 1.5, 2.5, ?)",
            [(i["content_hash"], math.exp(2.5)) for i in items],
        )

    def refusing():
        raise AssertionError("the model must not be loaded when everything is cached")

    served = L.score_with_cache(cache, refusing, "fp", items, progress=False)
    assert [s["mean_nll"] for s in served] == [2.5, 2.5]
    rescored = L.score_with_cache(cache, lambda: (model, tok), "fp", items, signals=BOTH, progress=False)
    assert all(s["ifd"] and s["embedding"] is not None for s in rescored)


def test_sql_columns_and_cosine_similarity(model_dir, model_and_tokenizer, tmp_path, monkeypatch):
    """Through the registered UDFs: FLOAT[d] embeddings that array_cosine_similarity takes; a rebuild
    is served from the cache without loading a model."""
    con = duckdb.connect()
    register_all(con)
    rows = [(f"s{i}", p, r) for i, (p, r) in enumerate(zip(PROMPTS * 2, RESPONSES * 2))] + [("empty", "Q", "")]
    con.execute("create table pool (sample_id varchar, prompt varchar, response varchar)")
    con.executemany("insert into pool values (?, ?, ?)", rows)
    spec = json.dumps({"path": str(model_dir), "max_length": 256, "progress": False})
    [(dim,)] = con.execute("select sftmart_embedding_dim($spec)", {"spec": spec}).fetchall()
    assert dim == 32
    sql = f"""
    create or replace table scores as
    with buckets as (
        select list({{'sample_id': sample_id, 'content_hash': md5(prompt || chr(31) || response),
                      'prompt': prompt, 'response': response}} order by sample_id) as items
        from (select *, row_number() over (order by sample_id) // 4 as bucket from pool) group by bucket),
    scored as (select unnest(sftmart_lm_signals(items, $spec, 'response', $cache, 'ifd,embedding'), recursive := true)
               from buckets)
    select sample_id, mean_nll, mean_nll_unconditional, ifd, embedding::float[{dim}] as embedding from scored
    """
    params = {"spec": spec, "cache": str(tmp_path / "scores.sqlite")}
    con.execute(sql, params)
    assert (
        dict(con.execute("select column_name, column_type from (describe scores)").fetchall())["embedding"]
        == f"FLOAT[{dim}]"
    )
    pairs = con.execute(
        """select a.sample_id, b.sample_id, array_cosine_similarity(a.embedding, b.embedding)
           from scores as a join scores as b on a.sample_id < b.sample_id
           where a.embedding is not null and b.embedding is not null"""
    ).fetchall()
    vectors = {
        k: np.asarray(v, dtype=np.float64)
        for k, v in con.execute("select sample_id, embedding from scores").fetchall()
        if v is not None
    }
    model, tok = model_and_tokenizer
    assert len(vectors) == len(rows) - 1
    for a, b, cosine in pairs:
        want = vectors[a] @ vectors[b] / np.linalg.norm(vectors[a]) / np.linalg.norm(vectors[b])
        assert cosine == pytest.approx(want, abs=1e-5)
    same = [c for a, b, c in pairs if int(a[1:]) % len(PROMPTS) == int(b[1:]) % len(PROMPTS)]
    assert len(same) == len(PROMPTS) and min(same) == pytest.approx(1.0, abs=1e-6)  # identical texts
    assert con.execute("select ifd is null, embedding is null from scores where sample_id = 'empty'").fetchall() == [
        (True, True)
    ]
    assert (
        con.execute("select count(*) from scores where abs(ifd - mean_nll / mean_nll_unconditional) < 1e-9").fetchone()[
            0
        ]
        == len(rows) - 1
    )
    before = con.execute("select * from scores order by sample_id").fetchall()

    def refusing(*_):
        raise AssertionError("the model must not be loaded when everything is cached")

    specs._load_cached.cache_clear()
    monkeypatch.setattr(specs, "_load_cached", refusing)
    con.execute(sql, params)
    assert con.execute("select * from scores order by sample_id").fetchall() == before
