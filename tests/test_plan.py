"""`sftmart plan` (issue 23): its rows and tokens against a built warehouse, the calibration cache
keyed by machine, `--within` suggestions that fit once applied, the max_build_hours stop, `--json`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import duckdb
import pytest

from sftmart.cli import main
from sftmart.plan import effective_vars
from sftmart.plan.calibrate import calibration, calibration_path, machine_fingerprint
from sftmart.plan.command import STOPPED_EXIT
from sftmart.plan.estimate import Planner
from sftmart.plan.suggest import parse_duration, suggest
from training.models import ModelSpec

# throughputs of the order this project's two cores give (bench/RESULTS.md), for plans with the
# model layer on that must not spend minutes calibrating inside a test
CALIBRATION = {
    "load_seconds": 3.0,
    "score_tokens_per_s": 400.0,
    "train_tokens_per_s": 230.0,
    "train_setup_seconds": 5.0,
    "generate_tokens_per_s": 40.0,
}
JSON_NODE_KEYS = {"node", "rows", "tokens", "seconds", "peak_rss_mb", "disk_mb", "cached"}


def fixture_vars(root) -> dict:
    return {"raw_root": str(root), "eval_root": str(root.parent / "validated_eval"), "model_layer": False}


def built(db, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()


def within(estimate: float, actual: float, share: float = 0.10) -> bool:
    return abs(estimate - actual) <= share * actual


def test_rows_and_tokens_against_the_built_tables(validated_warehouse, tmp_path):
    root, db, _ = validated_warehouse
    dbt_vars = effective_vars(fixture_vars(root))
    plan = Planner(dbt_vars, db).plan()
    assert plan.raw["warehouse_current"], plan.raw
    nodes = {n.node: n for n in plan.nodes}
    for node, table, counted in [
        ("alpaca_cot_records", "raw.alpaca_cot_records", "0"),
        ("int_samples_tokenized", "intermediate.int_samples_tokenized", "sum(n_tokens)"),
        ("mart_candidate_pool", "marts.mart_candidate_pool", "sum(n_tokens)"),
        ("mart_training_mix", "marts.mart_training_mix", "sum(n_tokens)"),
    ]:
        rows, tokens = built(db, f"select count(*), coalesce({counted}, 0) from {table}")
        assert rows and within(nodes[node].rows, rows), (node, nodes[node].rows, rows)
        assert within(nodes[node].tokens, tokens), (node, nodes[node].tokens, tokens)

    # without the warehouse: the raw scan's record count and tokens per record
    scanned = Planner(dbt_vars, tmp_path / "none.duckdb").plan()
    assert not scanned.raw["warehouse_current"]
    (records,) = built(db, "select count(*) from raw.alpaca_cot_landing where source_file like '%.json%'")
    assert within(scanned.raw["records"], records), (scanned.raw, records)
    rows, tokens = built(db, "select count(*), sum(n_tokens) from intermediate.int_samples_tokenized")
    assert within(scanned.raw["tokens_per_record"], tokens / rows), (scanned.raw, tokens / rows)


def test_the_calibration_cache_is_keyed_by_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTMART_CACHE", str(tmp_path))
    measured = []

    def measure(spec):  # stands in for the minutes of real model runs; the cache is under test
        measured.append(spec.path)
        return CALIBRATION | {"run": len(measured)}

    spec = ModelSpec()
    here = machine_fingerprint("cpu", spec.path)
    assert {"cpu", "cores", "memory_gb", "torch"} <= set(here)
    first = calibration(spec, measure_fn=measure, fingerprint=here)
    again = calibration(spec, measure_fn=measure, fingerprint=here)
    assert (first["cached"], again["cached"], again["run"], len(measured)) == (False, True, 1, 1)
    other = calibration(spec, measure_fn=measure, fingerprint=here | {"cores": (here["cores"] or 1) + 6})
    assert (other["cached"], other["run"], len(measured)) == (False, 2, 2)
    assert len(json.loads(calibration_path().read_text())) == 2  # both machines stay
    assert calibration(spec, measure_fn=measure, fingerprint=here, load_per_core=1.0)["run"] == 1


def test_a_calibration_measured_under_heavy_load_is_measured_again_when_quieter(tmp_path, monkeypatch):
    monkeypatch.setenv("SFTMART_CACHE", str(tmp_path))
    loads = iter([12.0, 1.0])

    def measure(spec):  # stands in for the real model runs; the cache's policy is under test
        return CALIBRATION | {"load_per_core": next(loads)}

    spec, here = ModelSpec(), machine_fingerprint("cpu", ModelSpec().path)
    assert calibration(spec, measure_fn=measure, fingerprint=here, load_per_core=12.0)["load_per_core"] == 12.0
    still_loaded = calibration(spec, measure_fn=measure, fingerprint=here, load_per_core=8.0)
    assert still_loaded["cached"] and still_loaded["load_per_core"] == 12.0
    quiet = calibration(spec, measure_fn=measure, fingerprint=here, load_per_core=1.0)
    assert not quiet["cached"] and quiet["load_per_core"] == 1.0
    assert calibration(spec, measure_fn=measure, fingerprint=here, load_per_core=20.0)["cached"]


@pytest.mark.parametrize("share", [0.6, 0.05])
def test_within_suggestions_applied_fit_the_bound(tmp_path, share):
    planner = Planner(effective_vars({}), tmp_path / "none.duckdb", calibration=CALIBRATION)
    full = planner.plan()
    bound = full.total_seconds * share
    advice = suggest(planner, bound)
    assert advice.steps and advice.fits, advice
    assert planner.plan(advice.vars).total_seconds <= bound
    if share > 0.5:  # a modest cut keeps the model layer, with fewer steps or generations
        assert advice.vars.get("model_layer", True) is not False, advice
    assert parse_duration("1h") == 3600 and parse_duration("20m") == 1200


def test_within_an_hour_the_real_collection_keeps_the_model_layer_on_a_score_sample(tmp_path):
    """The whole of ../shared/data/alpaca-cot with the model layer at its defaults is a day or more
    of these cores; `--within 1h` keeps the model layer, capping the LoRA steps and scoring a seeded
    sample of the pool (at least twice the rows the runs train on), and the plan of that fits."""
    from conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.skip("../shared/data/alpaca-cot is not beside the checkout")
    planner = Planner(effective_vars({"raw_root": str(SHARED_DATA)}), tmp_path / "none.duckdb", calibration=CALIBRATION)
    planner.contention = 1.0  # a quiet machine's plan, whatever else runs beside the test
    assert planner.plan().total_seconds > 6 * 3600
    advice = suggest(planner, 3600)
    assert advice.fits and advice.vars.get("model_layer", True) is not False, advice
    steps, rows = advice.vars["max_steps"], advice.vars["score_sample_rows"]
    assert rows >= 2 * steps * 8 and planner.plan(advice.vars).total_seconds <= 3600
    assert any("score a seeded sample" in line for line in advice.steps), advice.steps


def test_plan_json_shape(validated_warehouse, capsys, monkeypatch):
    root, db, _ = validated_warehouse
    monkeypatch.setenv("SFTMART_DB", str(db))
    v = fixture_vars(root)
    assert main(["plan", "--raw-root", v["raw_root"], "--vars", json.dumps(v), "--json", "--within", "1h"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out["total_seconds"], float) and out["total_seconds"] > 0
    assert out["nodes"] and all(JSON_NODE_KEYS <= set(n) for n in out["nodes"])
    assert {"alpaca_cot_landing", "mart_training_mix", "mart_eval_results"} <= {n["node"] for n in out["nodes"]}
    assert out["within"]["fits"] is True


def test_max_build_hours_stops_before_anything_runs(validated_warehouse, tmp_path, capsys, monkeypatch):
    root, db, _ = validated_warehouse
    published = tmp_path / "w.duckdb"
    shutil.copyfile(db, published)
    before = hashlib.sha256(published.read_bytes()).hexdigest(), published.stat().st_mtime_ns
    monkeypatch.setenv("SFTMART_DB", str(published))
    v = fixture_vars(root) | {"max_build_hours": 0.0001}
    code = main(["build", "--raw-root", v["raw_root"], "--vars", json.dumps(v), "--no-report"])
    err = capsys.readouterr().err
    assert code == STOPPED_EXIT, err
    assert "stopped before the model layer" in err and "--yes" in err, err
    assert (hashlib.sha256(published.read_bytes()).hexdigest(), published.stat().st_mtime_ns) == before
    assert not (tmp_path / "w.duckdb.sftmart" / "build" / "w.duckdb").exists()  # no build copy either


def test_the_progress_line_counts_the_plans_nodes_down(tmp_path):
    import io
    import os

    from sftmart.plan.progress import ProgressLine

    plan = Planner(effective_vars({"model_layer": False}), tmp_path / "none.duckdb").plan()
    out = io.StringIO()
    progress = ProgressLine(plan, out)
    progress.start()
    events = [{"node": "operation.sftmart.sftmart-on-run-start-0", "status": "success", "seconds": 0.1}]
    for n in plan.nodes:  # what dbt's NodeFinished events carry (sftmart.plan.progress.install_node_events)
        kind, name = ("test", n.node[5:]) if n.node.startswith("test:") else ("model", n.node)
        events.append({"node": f"{kind}.sftmart.{name}" + (".0123456789" if kind == "test" else ""), "seconds": 0.1})
    os.write(progress.write_fd, "".join(json.dumps(e) + "\n" for e in events).encode())
    progress.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == len(plan.nodes)  # the hook is no node of the plan
    assert lines[-1].startswith(f"build: {len(plan.nodes)}/{len(plan.nodes)} nodes") and "about 0 s left" in lines[-1]
    assert "about 0 s left" not in lines[0]


def test_the_eta_stretches_each_kind_of_node_by_its_own_pace(tmp_path):
    """SQL nodes that ran 3x their estimate stretch what is left of the SQL nodes, not a LoRA run."""
    import io

    from sftmart.plan.estimate import MODEL_NODES
    from sftmart.plan.progress import ProgressLine

    plan = Planner(effective_vars({}), tmp_path / "none.duckdb", calibration=CALIBRATION).plan()
    progress = ProgressLine(plan, io.StringIO())
    sql = [n for n in progress.planned if n not in MODEL_NODES]
    finished = sql[: len(sql) // 2]
    assert sum(progress.planned[n] for n in finished) > 5
    progress.done = {n: 3 * progress.planned[n] for n in finished}
    model_left = sum(s for n, s in progress.planned.items() if n in MODEL_NODES)
    sql_left = sum(progress.planned[n] for n in sql[len(sql) // 2 :])
    assert f"about {progress.duration(model_left + 3 * sql_left)} left" in progress.line()
    os.close(progress.write_fd)
    os.close(progress.read_fd)


def test_the_guide_is_planned_with_its_own_steps_and_epochs(tmp_path):
    """The guide trains with guide_epochs and guide_max_steps (null: max_steps), the final adapter
    with epochs and max_steps: each node's planned time follows its own settings."""

    def seconds(**settings) -> dict:
        v = effective_vars({"model_layer": True, "epochs": 3} | settings)
        plan = Planner(v, tmp_path / "none.duckdb", calibration=CALIBRATION).plan()
        return {n.node: n.seconds for n in plan.nodes if n.node in ("guide_adapter", "final_adapter")}

    one, two = seconds(guide_epochs=1), seconds(guide_epochs=2)
    assert two["final_adapter"] == one["final_adapter"] and two["guide_adapter"] > 1.5 * one["guide_adapter"]
    capped = seconds(max_steps=2)  # guide_max_steps null: the guide takes the final adapter's cap
    assert capped["guide_adapter"] < one["guide_adapter"] and capped["final_adapter"] < one["final_adapter"]
    own = seconds(max_steps=2, guide_max_steps=20)
    assert own["guide_adapter"] > capped["guide_adapter"] and own["final_adapter"] == capped["final_adapter"]
