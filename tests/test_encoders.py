"""Quality (reward) model and sentence-embedding model paths (udfs/encoders/) on tiny random encoders."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from encoder_fixtures import make_tiny_encoder_dir  # noqa: E402
from test_lm_scoring import PROMPTS, RESPONSES, items_of  # noqa: E402

from training.models import ModelSpec  # noqa: E402
from udfs import encoders as E  # noqa: E402
from udfs.encoders import udf as encoder_udf  # noqa: E402
from udfs.encoders.run import max_tokens  # noqa: E402
from udfs.registry import register_all  # noqa: E402

NEIGHBOURS_P = PROMPTS + ["short", "long neighbour " * 40, "x"]
NEIGHBOURS_R = RESPONSES + ["y", "z " * 30, "a b c"]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("encoders")
    return {
        "reward": make_tiny_encoder_dir(root / "reward", "deberta", num_labels=1),
        "binary": make_tiny_encoder_dir(root / "binary", "deberta", num_labels=2, seed=1),
        "bert": make_tiny_encoder_dir(root / "bert", "bert"),
    }


def direct(model, tokenizer, prompt, response):
    """One unpadded pair, truncated as the encoder path does (its max_position_embeddings)."""
    limit = max_tokens(model, tokenizer, 512)
    with torch.no_grad():
        return model(**tokenizer(prompt, response, return_tensors="pt", truncation="longest_first", max_length=limit))


@pytest.mark.parametrize("name", ["reward", "binary"])
def test_quality_score_is_the_models_own_output_whatever_the_batch(dirs, name):
    model, tok = E.load_encoder(ModelSpec(path=str(dirs[name])), "quality")
    want = []
    for p, r in zip(PROMPTS, RESPONSES):
        logits = direct(model, tok, p, r).logits[0].double()
        want.append(float(logits[0]) if name == "reward" else float(torch.softmax(logits, -1)[1]))
    for budget in (64, 100_000):
        got = E.encode_samples(model, tok, "quality", NEIGHBOURS_P, NEIGHBOURS_R, 256, budget, progress=False)
        assert [g["quality_score"] for g in got[: len(want)]] == pytest.approx(want, abs=1e-5)
    assert len({round(w, 4) for w in want}) == len(want)
    if name == "binary":
        assert all(0.0 < w < 1.0 for w in want)


def test_quality_model_with_other_label_counts_is_refused(dirs, tmp_path):
    path = make_tiny_encoder_dir(tmp_path / "three", "deberta", num_labels=3)
    with pytest.raises(ValueError, match="3 labels"):
        E.load_encoder(ModelSpec(path=str(path)), "quality")


def test_sentence_embedding_is_the_direct_mean_pool(dirs):
    model, tok = E.load_encoder(ModelSpec(path=str(dirs["bert"])), "embedding")
    want = []
    for p, r in zip(PROMPTS, RESPONSES):
        hidden = direct(model, tok, p, r).last_hidden_state[0].double()
        want.append(hidden.mean(0).numpy())
    for budget in (64, 100_000):
        got = E.encode_samples(model, tok, "embedding", NEIGHBOURS_P, NEIGHBOURS_R, 512, budget, progress=False)
        for w, g in zip(want, got):
            assert g["embedding"].dtype == np.float32 and np.abs(g["embedding"] - w).max() <= 1e-5


def test_cached_outputs_serve_a_rebuild_without_a_model(dirs, tmp_path):
    spec = json.dumps({"path": str(dirs["reward"]), "max_length": 256})
    fingerprint = E.encoder_fingerprint(spec, "quality")
    assert fingerprint != E.encoder_fingerprint(json.dumps({"path": str(dirs["binary"])}), "quality")
    items = items_of(PROMPTS, RESPONSES) + items_of(["Q"], [""])
    loads = []

    def loader():
        loads.append(1)
        return E.load_encoder(ModelSpec(path=str(dirs["reward"])), "quality")

    first = E.encode_with_cache(tmp_path / "c.sqlite", loader, fingerprint, "quality", items, progress=False)
    second = E.encode_with_cache(tmp_path / "c.sqlite", loader, fingerprint, "quality", items, progress=False)
    assert loads == [1] and first == second
    with sqlite3.connect(tmp_path / "c.sqlite") as conn:
        assert conn.execute("select count(*) from encoder_outputs").fetchone()[0] == len(items)


def test_udfs_through_duckdb(dirs, tmp_path, monkeypatch):
    con = duckdb.connect()
    register_all(con)
    rows = [(f"s{i}", p, r) for i, (p, r) in enumerate(zip(PROMPTS, RESPONSES))]
    con.execute(
        "create table pool as select * from (values "
        + ", ".join("(?, ?, ?)" for _ in rows)
        + ") t(sample_id, prompt, response)",
        [x for row in rows for x in row],
    )
    cache = str(tmp_path / "scores.sqlite")
    sql = """
    with buckets as (select list({'sample_id': sample_id, 'content_hash': md5(prompt || chr(31) || response),
                                  'prompt': prompt, 'response': response}) as items from pool)
    select * from (select unnest({fn}(items, $spec, $cache), recursive := true) from buckets) order by sample_id
    """
    quality_spec = json.dumps({"path": str(dirs["reward"]), "progress": False})
    quality = con.execute(
        sql.replace("{fn}", "sftmart_quality_scores"), {"spec": quality_spec, "cache": cache}
    ).fetchall()
    model, tok = E.load_encoder(ModelSpec(path=str(dirs["reward"])), "quality")
    for (_sample_id, n_tokens, score), (p, r) in zip(quality, zip(PROMPTS, RESPONSES)):
        assert score == pytest.approx(float(direct(model, tok, p, r).logits[0, 0]), abs=1e-5) and n_tokens > 0
    bert_spec = json.dumps({"path": str(dirs["bert"]), "progress": False})
    [(dim,)] = con.execute("select sftmart_embedding_dim(?)", [bert_spec]).fetchall()
    vectors = con.execute(
        f"select array_cosine_similarity(embedding::float[{dim}], embedding::float[{dim}]) from ("
        + sql.replace("{fn}", "sftmart_text_embeddings")
        + ")",
        {"spec": bert_spec, "cache": cache},
    ).fetchall()
    assert [v[0] for v in vectors] == pytest.approx([1.0] * len(rows), abs=1e-6)

    def refusing(*_):
        raise AssertionError("the model must not be loaded when everything is cached")

    encoder_udf._load_cached.cache_clear()
    monkeypatch.setattr(encoder_udf, "_load_cached", refusing)
    again = con.execute(
        sql.replace("{fn}", "sftmart_quality_scores"), {"spec": quality_spec, "cache": cache}
    ).fetchall()
    assert again == quality
