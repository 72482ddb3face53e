"""What the build's caches already hold, as far as the plan can tell without running a model: the
share of the candidate pool whose scores are in the score cache under the model's fingerprint, the
adapters whose recorded run has the planned training config, and evaluations already in the
warehouse. Only a warehouse built from the same input files (volumes.warehouse_is_current) says
anything about the data; otherwise nothing counts as cached."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sftmart.paths import warehouse_state_dir
from sftmart.plan import training_settings

ADAPTER_NODES = ("guide_adapter", "final_adapter")


def model_spec_json(dbt_vars: dict, path: str) -> str:
    """The spec the scoring UDF gets (macros model_spec_json), for its fingerprint."""
    keys = ("model_dtype", "model_device", "model_max_length", "trust_remote_code", "compute")
    spec = {"path": path} | {
        k.replace("model_", "") if k != "model_max_length" else "max_length": dbt_vars[k] for k in keys
    }
    return json.dumps(spec)


def scored_share(con, warehouse: Path, dbt_vars: dict, model_path: str) -> float:
    """Share of mart_candidate_pool's rows whose scores the score cache holds for `model_path`."""
    from udfs.lm_scoring.specs import scoring_fingerprint

    cache = warehouse_state_dir(warehouse) / "scores.sqlite"
    if not cache.exists():
        return 0.0
    try:
        fingerprint = scoring_fingerprint(model_spec_json(dbt_vars, model_path))
        hashes = [
            h
            for (h,) in con.execute(
                "select md5(prompt || chr(31) || response) from marts.mart_candidate_pool"
            ).fetchall()
        ]
    except Exception:  # a model that cannot be fingerprinted, a warehouse without the pool
        return 0.0
    if not hashes:
        return 0.0
    found = 0
    with sqlite3.connect(f"file:{cache}?mode=ro", uri=True) as lite:
        for lo in range(0, len(hashes), 500):
            part = hashes[lo : lo + 500]
            found += lite.execute(
                f"select count(*) from lm_scores where fingerprint = ? and scope = ? and content_hash in ({','.join('?' * len(part))})",
                [fingerprint, dbt_vars["score_scope"], *part],
            ).fetchone()[0]
    return found / len(hashes)


def adapter_run(con, node: str) -> dict | None:
    try:
        rows = con.execute(f"select * from marts.{node} where status in ('trained', 'reused')").fetchall()
        names = [d[0] for d in con.description]
    except Exception:
        return None
    return dict(zip(names, rows[0])) if rows else None


def adapter_cached(con, node: str, dbt_vars: dict) -> tuple[bool, dict | None]:
    """Whether the published run of `node` used the training config these vars give it, and its
    content-addressed folder (sftmart.artefacts: the adapter beside its run.json) is still there
    (the build then reuses the adapter)."""
    from training.config import TrainConfig
    from training.dag import specs_from_settings

    run = adapter_run(con, node)
    if run is None:
        return False, None
    try:
        _, config = specs_from_settings(training_settings(node, dbt_vars))
    except Exception:
        return False, run
    recorded = json.loads(run["config_json"] or "{}")
    planned = json.loads(config.to_json())
    for key in TrainConfig.NOT_FINGERPRINTED:
        recorded.pop(key, None)
        planned.pop(key, None)
    run_file = Path(run["adapter_path"]).parent / "run.json" if run.get("adapter_path") else None
    return recorded == planned and run_file is not None and run_file.exists(), run


def evaluated_models(con) -> int:
    try:
        return con.execute("select count(distinct model_run) from marts.mart_eval_results").fetchone()[0]
    except Exception:
        return 0
