"""The arm adapters, a final adapter, the evaluation and the encoders on a real local Ray cluster
(tests/ray_cluster.py, tiny models): the same adapters, metrics and encoder outputs as in-process,
through a worker killed mid-run (retried, each run once), and a rerun that redoes nothing finished."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from encoder_fixtures import make_tiny_encoder_dir
from lm_fixtures import make_tiny_model_dir
from ray_cluster import local_cluster

from compute.actor import HOOKS_ENV
from evaluation.node import eval_results_node
from training.arms import arm_adapters_node
from training.dag import adapter_node
from udfs.encoders import udf as encoder_udf

pytestmark = pytest.mark.filterwarnings("ignore:.*is_gradient_checkpointing.*:FutureWarning")
ARMS = (("curated", 1), ("random", 1))
WORDS = ["apple", "river", "stone", "cloud", "tiger", "maple", "piano", "ocean"]
EVAL_ROWS = [
    ("q1", "qa-en", "en", "Name a colour.", "Blue is a colour.", None, None),
    ("q2", "qa-en", "en", "Add 2 and 3.", "5", None, None),
    ("q3", "qa-zh", "zh", "天空是什么颜色？", "天空是蓝色的。", None, None),
    ("m1", "mc-en", "en", "Which is a fruit?", "apple", ["apple", "a large grey rock", "car"], 0),
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> dict:
    model = make_tiny_model_dir(tmp_path_factory.mktemp("ray-nodes") / "tiny", seed=5)
    return {
        "model_layer": True, "base_model": str(model), "model_dtype": "float32", "model_device": "cpu",
        "model_max_length": 128, "trust_remote_code": False, "lora_r": 4, "lora_alpha": 8, "lora_dropout": 0.1,
        "learning_rate": 1e-2, "epochs": 1, "train_batch_size": 4, "grad_accumulation": 1, "max_steps": 3,
        "sample_seed": 0, "checkpoint_seconds": 0, "eval_generation_samples": 2, "eval_max_new_tokens": 4,
    }  # fmt: skip


def warehouse(root: Path) -> duckdb.DuckDBPyConnection:
    """A warehouse file (adapters go beside it) with the arms' mixes and the evaluation rows."""
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    mixes = [
        (arm, seed, f"{arm}{i:02d}", f"Repeat the word {WORDS[(i + len(arm)) % 8]}.", f"{WORDS[(i + len(arm)) % 8]} " * 3, 9)
        for arm, seed in ARMS for i in range(8)
    ]  # fmt: skip
    con.execute(
        "create or replace table mixes (arm varchar, seed integer, sample_id varchar, prompt varchar, response varchar, n_tokens integer, budget_fraction double default 1.0)"
    )
    con.executemany(
        "insert into mixes (arm, seed, sample_id, prompt, response, n_tokens) values (?, ?, ?, ?, ?, ?)", mixes
    )
    con.execute(
        "create or replace table eval_records (eval_id varchar, eval_set varchar, lang varchar, prompt varchar, response varchar, options varchar[], answer_index integer)"
    )
    con.executemany("insert into eval_records values (?, ?, ?, ?, ?, ?, ?)", EVAL_ROWS)  # fmt: skip
    return con


def build_nodes(root: Path, settings: dict):
    """arm_adapters, then mart_eval_results on the base model and every arm's adapter."""
    con = warehouse(root)
    final = adapter_node(con, con.sql("select * from mixes where arm = 'random'"), settings, "final", merge=False)
    arms = arm_adapters_node(con, con.table("mixes"), settings)
    con.register("arms", arms)
    models = con.sql(
        "select 'base' as arm, null::integer as seed, null::double as budget_fraction, 'base' as model_run, "
        "null::varchar as adapter_path union all select arm, seed::integer, budget_fraction, run_id, adapter_path from arms"
    )
    evaluated = eval_results_node(con, models, con.table("eval_records"), json.dumps(settings))
    con.close()
    return arms.to_pylist() + final.to_pylist(), evaluated.to_pylist()


def calls(path: Path) -> list[str]:
    """The runs the tasks finished (labels: <arm>-<seed>-b<budget fraction>, an adapter path, or "base model")."""
    return sorted(path.read_text().splitlines()) if path.exists() else []


@pytest.fixture(scope="module")
def built(settings, tmp_path_factory):
    """Both nodes in-process, and on Ray (2 workers) with the first task's worker killed."""
    root = tmp_path_factory.mktemp("ray-nodes-build")
    local = build_nodes(root / "local", settings)
    compute = {"backend": "ray", "address": local_cluster(), "workers": 2}
    hooks = {"crash_once": str(root / "crashed"), "calls_file": str(root / "calls.txt")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOOKS_ENV, json.dumps(hooks))
        on_ray = build_nodes(root / "ray", settings | {"compute": compute})
    return root, compute, local, on_ray


def load_adapter(run: dict) -> dict:
    from safetensors.torch import load_file

    return load_file(str(Path(run["adapter_path"]) / "adapter_model.safetensors"))


def test_arms_trained_on_ray_equal_in_process_through_a_killed_task(built):
    """Same seed, same data order: the same adapters. The tolerance covers float32 sums taken in
    another order (Ray's task has 1 thread, pytest as many as torch picks), ~1e-7 relative per
    operation; AdamW's step is about lr = 1e-2 whatever the gradient's size, so 3 steps could move a
    weight by 3e-2 at most: 1e-4 is far below a changed run and far above rounding (on this machine
    1 and 2 threads give the same adapter bit for bit)."""
    root, _, (local_arms, _), (ray_arms, _) = built
    assert (root / "crashed").exists()  # a worker died before its run and the run went again
    labels = sorted([f"{arm}-{seed}-b1" for arm, seed in ARMS] + ["final"])  # the final adapter's run too
    assert [c for c in calls(root / "calls.txt") if "/" not in c and c != "base model"] == labels  # each once
    assert [(r.get("arm", r["node"]), r.get("seed"), r["status"], r["steps"]) for r in ray_arms] == [
        (r.get("arm", r["node"]), r.get("seed"), "trained", 3) for r in local_arms
    ]
    for mine, theirs in zip(ray_arms, local_arms):
        assert "/ray/" in mine["adapter_path"] and mine["fingerprint"] == theirs["fingerprint"]
        for field in ("first_loss", "last_loss", "min_loss"):
            assert mine[field] == pytest.approx(theirs[field], abs=1e-5)
        a, b = load_adapter(mine), load_adapter(theirs)
        assert a.keys() == b.keys() and len(a) > 0
        assert max(float((a[k] - b[k]).abs().max()) for k in a) < 1e-4
        assert max(float(a[k].abs().max()) for k in a if "lora_B" in k) > 1e-3  # training moved B off zero


def test_evaluation_on_ray_equals_in_process(built):
    root, _, (_, local_eval), (_, ray_eval) = built
    key = lambda r: (r["model_run"] if r["arm"] == "base" else r["arm"], r["eval_set"], r["lang"], r["metric"])  # noqa: E731
    want = {key(r): r for r in local_eval}
    got = {key(r): r for r in ray_eval}
    # 3 models x (nll and perplexity of 3 sets, acc and acc_norm of mc-en, rouge_l of qa-en and qa-zh)
    assert got.keys() == want.keys() and len(want) == 3 * 10
    for k, w in want.items():
        assert got[k]["n"] == w["n"] and got[k]["value"] == pytest.approx(w["value"], abs=1e-5, rel=1e-5), k


def test_a_rerun_on_ray_redoes_nothing_finished(built, settings):
    """Each run and each evaluation ran exactly once; a rerun reuses the adapters and the cached
    metrics without a task."""
    root, compute, _, (ray_arms, ray_eval) = built
    first = calls(root / "calls.txt")
    # arm and final runs, the base model's and each arm adapter's evaluation (the final one is not evaluated here)
    assert len(first) == len(ARMS) + 1 + 1 + len(ARMS) and len(set(first)) == len(first)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOOKS_ENV, json.dumps({"calls_file": str(root / "calls.txt")}))
        again_arms, again_eval = build_nodes(root / "ray", settings | {"compute": compute})
    assert calls(root / "calls.txt") == first
    assert [r["status"] for r in again_arms] == ["reused"] * (len(ARMS) + 1)
    assert [r["run_id"] for r in again_arms] == [r["run_id"] for r in ray_arms] and again_eval == ray_eval


def test_encoders_on_ray_equal_in_process(tmp_path):
    """Both encoder UDFs with `compute` in the spec: the scoring's shard pipeline (one model load per
    actor) gives the in-process outputs, and the results land in the same cache."""
    import pyarrow as pa

    items = [
        {"sample_id": f"s{i}", "content_hash": f"h{i}", "prompt": f"Question {i}: {WORDS[i % 8]}?", "response": WORDS[i % 8] * (i + 1)}
        for i in range(12)
    ] + [{"sample_id": "empty", "content_hash": "h-empty", "prompt": "", "response": ""}]  # fmt: skip
    lists = pa.array([items[:7], items[7:]])
    udfs = {
        "quality": (encoder_udf.quality_scores_udf, make_tiny_encoder_dir(tmp_path / "reward", "deberta")),
        "embedding": (encoder_udf.text_embeddings_udf, make_tiny_encoder_dir(tmp_path / "bert", "bert")),
    }
    compute = {"backend": "ray", "address": local_cluster(), "work_dir": str(tmp_path / "work"), "shard_rows": 8}
    for kind, (udf, directory) in udfs.items():
        spec = {"path": str(directory), "max_length": 64, "progress": False}
        local = udf(lists, pa.array([json.dumps(spec)]), pa.array([str(tmp_path / "local.sqlite")])).to_pylist()
        on_ray = udf(
            lists, pa.array([json.dumps(spec | {"compute": compute})]), pa.array([str(tmp_path / "ray.sqlite")])
        ).to_pylist()
        assert [len(x) for x in on_ray] == [7, 6]
        for mine, theirs in zip(sum(on_ray, []), sum(local, [])):
            assert mine["sample_id"] == theirs["sample_id"] and mine["n_tokens"] == theirs["n_tokens"], kind
            value = "quality_score" if kind == "quality" else "embedding"
            if theirs[value] is None:
                assert mine[value] is None and theirs["n_tokens"] == 0
            else:
                assert mine[value] == pytest.approx(theirs[value], abs=1e-5), kind
    for name in ("local", "ray"):  # each sample once per kind, in both caches
        with closing(sqlite3.connect(tmp_path / f"{name}.sqlite")) as con:
            counts = con.execute(
                "select kind, count(*), count(distinct content_hash) from encoder_outputs group by kind order by kind"
            ).fetchall()
        assert counts == [("embedding", 13, 13), ("quality", 13, 13)], name
    with closing(sqlite3.connect(tmp_path / "ray" / "manifest.sqlite")) as con:  # the cluster computed them
        assert con.execute("select status, rows_computed from runs").fetchall() == [("finished", 13)] * 2
    assert not list((tmp_path / "work").rglob("*.parquet"))


def test_a_run_that_raises_stops_the_node_naming_it_after_the_others_finish():
    """An error of the run itself is not retried (it would repeat); the runs in flight still hand
    their results to the driver."""
    from compute import ComputeError, parse_compute
    from compute.tasks import run_tasks

    config = parse_compute({"backend": "ray", "address": local_cluster(), "workers": 2})
    kept = {}
    with pytest.raises(
        ComputeError, match=r"bad-run failed after 1 attempt\(s\) \(JSONDecodeError: .*\); the 1 finished run"
    ):
        run_tasks(
            config, json.loads, [{"s": "[1, 2]"}, {"s": "{"}], labels=["good-run", "bad-run"], desc="parsing",
            on_result=kept.__setitem__, progress=False,
        )  # fmt: skip
    assert kept == {0: [1, 2]}
