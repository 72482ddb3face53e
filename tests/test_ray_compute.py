"""LM scoring on a real local Ray cluster (`ray start --head`, 2 CPUs, the tiny model): the same
results as in-process, one score per sample through a killed actor and a killed driver, and a quick
clear error for an unreachable cluster or a worker no node can hold."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest
from conftest import REPO
from lm_fixtures import make_tiny_model_dir
from ray_cluster import free_port, local_cluster

from compute import ComputeError
from compute.actor import HOOKS_ENV
from compute.config import CONNECT_TIMEOUT_S
from compute.shards import ShardStore, encode_result, run_key
from udfs.lm_scoring.cache import ScoreCache, content_hash, score_with_cache
from udfs.lm_scoring.specs import load_for_spec, scoring_fingerprint

SIGNALS = ("ifd", "embedding")
MAX_LENGTH = 128


def sample_items() -> list[dict]:
    """The bundled sample's English and Chinese records (real text), as scoring items."""
    records = []
    for name in ("cot-en/reasoning.json", "alpaca-zh/instructions.json"):
        records += json.loads((REPO / "sample_data" / "alpaca-cot" / name).read_text(encoding="utf-8"))
    items = [
        {"prompt": f"{r['instruction']}\n{r.get('input') or ''}".strip(), "response": r["output"]}
        for r in records
        if isinstance(r, dict) and isinstance(r.get("instruction"), str) and isinstance(r.get("output"), str)
    ]
    unique = {(i["prompt"], i["response"]): i for i in items}
    return list(unique.values())[:96]


def Loader(spec_json: str):
    """The model loader the UDF uses (load_for_spec), picklable by reference for the actors (the
    cluster's workers import udfs, not the tests)."""
    return partial(load_for_spec, spec_json)


@pytest.fixture(scope="module")
def cluster():
    """The local Ray head this test process shares (tests/ray_cluster.py)."""
    return local_cluster()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """(spec_json, fingerprint, items, in-process results with IFD and embeddings)."""
    root = tmp_path_factory.mktemp("ray-model")
    spec_json = json.dumps({"path": str(make_tiny_model_dir(root / "tiny")), "device": "cpu", "max_length": MAX_LENGTH})
    fingerprint = scoring_fingerprint(spec_json)
    items = sample_items()
    local = score_with_cache(
        root / "local.sqlite", Loader(spec_json), fingerprint, items, signals=SIGNALS, max_length=MAX_LENGTH,
        progress=False,
    )  # fmt: skip
    return spec_json, fingerprint, items, local


def ray_compute(address: str, work_dir: Path, **extra) -> dict:
    return {"backend": "ray", "address": address, "work_dir": str(work_dir), "shard_rows": 16, **extra}


def score_on(cluster, model, root: Path, **compute):
    spec_json, fingerprint, items, _ = model
    return score_with_cache(
        root / "scores.sqlite", Loader(spec_json), fingerprint, items, signals=SIGNALS, max_length=MAX_LENGTH,
        progress=False, compute=ray_compute(cluster, root / "work", **compute),
    )  # fmt: skip


def assert_same(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want) and sum(w["n_tokens"] > 0 for w in want) > len(want) // 2
    for g, w in zip(got, want):
        assert g.keys() >= w.keys() and g["n_tokens"] == w["n_tokens"]
        if w["n_tokens"] == 0:  # nothing left to score after truncation: null scores on both paths
            assert g == w
            continue
        for field in ("mean_entropy", "mean_nll", "perplexity", "mean_nll_unconditional", "ifd"):
            if w[field] is None:  # e.g. no unconditional NLL when the response alone is too short
                assert g[field] is None, field
                continue
            assert abs(g[field] - w[field]) <= 1e-5 * max(1.0, abs(w[field])), field
        assert len(g["embedding"]) == len(w["embedding"]) == 32
        assert max(abs(a - b) for a, b in zip(g["embedding"], w["embedding"])) <= 1e-5


def manifest(root: Path, sql: str):
    with closing(sqlite3.connect(root / "ray" / "manifest.sqlite")) as con:
        return con.execute(sql).fetchall()


def one_row_per_sample(root: Path, items) -> None:
    """The score cache holds every distinct sample exactly once (in every table)."""
    with closing(ScoreCache(root / "scores.sqlite")) as cache:
        tables = [cache.conn.execute(f"select count(*) from {t}").fetchone()[0] for t in ("lm_scores", "lm_ifd")]
    distinct = len({(i["prompt"], i["response"]) for i in items})
    assert tables == [distinct, distinct]
    shards = manifest(root, "select shard_id, n_rows from shards")
    assert len({s for s, _ in shards}) == len(shards) and sum(n for _, n in shards) == distinct


def test_ray_scores_equal_in_process_scores_through_a_killed_actor(cluster, model, tmp_path, monkeypatch):
    """Two workers; the first batch's actor dies (os._exit) before scoring, Ray Data restarts it and
    retries the batch: the same scores as in-process, one per sample, every batch scored once."""
    marker, calls = tmp_path / "crashed", tmp_path / "calls.txt"
    monkeypatch.setenv(HOOKS_ENV, json.dumps({"crash_once": str(marker), "calls_file": str(calls)}))
    got = score_on(cluster, model, tmp_path, workers=2)
    assert marker.exists()
    assert_same(got, model[3])
    one_row_per_sample(tmp_path, model[2])
    [(status, computed, reused)] = manifest(tmp_path, "select status, rows_computed, rows_reused from runs")
    assert (status, computed, reused) == ("finished", len(got), 0)
    assert sum(int(line.split()[1]) for line in calls.read_text().split("\n") if line) == len(got)
    assert not list((tmp_path / "work").rglob("*.parquet"))  # shards go once their results are cached


DRIVER = """
import json, sys
sys.path.insert(0, {tests!r})
from test_ray_compute import Loader, ray_compute
from udfs.lm_scoring.cache import score_with_cache
spec_json, fingerprint, root = {spec_json!r}, {fingerprint!r}, {root!r}
items = json.load(open(root + "/items.json"))
score_with_cache(root + "/scores.sqlite", Loader(spec_json), fingerprint, items, signals=("ifd", "embedding"),
                 max_length={max_length}, progress=False, compute=ray_compute({address!r}, root + "/work", workers=1))
"""


def test_a_rerun_after_a_driver_kill_scores_only_unfinished_shards(cluster, model, tmp_path, monkeypatch):
    spec_json, fingerprint, items, local = model
    calls = tmp_path / "calls.txt"
    (tmp_path / "items.json").write_text(json.dumps(items))
    script = DRIVER.format(
        tests=str(REPO / "tests"), spec_json=spec_json, fingerprint=fingerprint, root=str(tmp_path),
        max_length=MAX_LENGTH, address=cluster,
    )  # fmt: skip
    env = dict(os.environ, **{HOOKS_ENV: json.dumps({"delay_s": 0.4, "calls_file": str(calls)})})
    driver = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    finished: list = []
    while len(finished) < 2:  # at least two of the six shards finished: kill -9 the driver
        assert driver.poll() is None, driver.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "no shard finished in time"
        time.sleep(0.2)
        if (tmp_path / "ray" / "manifest.sqlite").exists():
            finished = manifest(tmp_path, "select n_rows from shards where computed_by is not null")
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    done_before = sum(n for (n,) in manifest(tmp_path, "select n_rows from shards"))
    assert 0 < done_before < len(items)

    monkeypatch.setenv(HOOKS_ENV, json.dumps({"calls_file": str(calls)}))
    got = score_on(cluster, model, tmp_path, workers=1)
    assert_same(got, local)
    one_row_per_sample(tmp_path, items)
    [(rerun_id, computed)] = manifest(tmp_path, "select run_id, rows_computed from runs where status = 'finished'")
    rerun_calls = sum(
        int(n) for r, n in (line.split() for line in calls.read_text().split("\n") if line) if r == rerun_id
    )
    assert rerun_calls == computed == len(items) - done_before  # the model saw only the unfinished shards


def test_result_shards_on_disk_are_loaded_without_a_cluster(model, tmp_path):
    """Shards a killed driver finished but did not load: the next run loads them into the score cache
    and needs no cluster for them (the address here is unreachable)."""
    spec_json, fingerprint, items, local = model
    store = ShardStore(str(tmp_path / "work"), run_key(fingerprint, "response", SIGNALS))
    hashes = [content_hash(i["prompt"], i["response"]) for i in items]
    for lo in range(0, len(items), 40):  # boundaries of another run's plan: results are matched by hash
        store.write_result(
            f"earlier{lo}", {h: (encode_result(r), "w") for h, r in list(zip(hashes, local))[lo : lo + 40]}
        )
    got = score_on(f"127.0.0.1:{free_port()}", model, tmp_path)
    assert_same(got, local)
    one_row_per_sample(tmp_path, items)
    assert manifest(tmp_path, "select rows_reused, rows_computed, status from runs") == [(len(items), 0, "finished")]
    assert not list((tmp_path / "work").rglob("*.parquet"))


def test_an_unreachable_cluster_fails_fast_naming_it(tmp_path, model):
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(ComputeError, match=f"'{address}'.*ray start --head"):
        score_on(address, model, tmp_path)
    assert time.monotonic() - started < CONNECT_TIMEOUT_S + 2


def test_a_worker_no_node_can_hold_is_a_config_error(cluster, model, tmp_path):
    with pytest.raises(ComputeError, match=f"gpus_per_worker = 1, but no node of the Ray cluster at '{cluster}'"):
        score_on(cluster, model, tmp_path, gpus_per_worker=1)
