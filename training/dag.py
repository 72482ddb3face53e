"""Training as nodes of the dbt DAG: the guide adapter and the final adapter are dbt Python models
that call `adapter_node`, which trains (or reuses, by fingerprint) a LoRA adapter on a mart and
returns a one-row record of the run (dbt's incremental model training_runs keeps the history; this
code writes nothing into the warehouse itself). Adapters and merged models live in content-addressed
folders beside the published warehouse file (sftmart.artefacts), never rewritten: a failed or
killed build changes nothing the published warehouse refers to, and a rerun finds them. With the
`compute` var's `backend: ray`, the training runs as a Ray task (training/remote.py) and the merge
on the driver.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import pyarrow as pa

from sftmart.artefacts import merged_dir
from sftmart.paths import warehouse_of
from training.config import TrainConfig
from training.models import ModelSpec, merge_adapter
from training.pause import pause_at
from training.remote import train_jobs, warehouse_job
from training.runs import TrainingRun


def model_spec_from_settings(settings: dict) -> ModelSpec:
    """The base model of a node's settings (the vars base_model, model_dtype, model_device,
    model_max_length, trust_remote_code)."""
    return ModelSpec(
        path=settings["base_model"],
        dtype=settings["model_dtype"],
        device=settings["model_device"],
        max_length=int(settings["model_max_length"]),
        trust_remote_code=bool(settings["trust_remote_code"]),
    )


def specs_from_settings(settings: dict) -> tuple[ModelSpec, TrainConfig]:
    spec = model_spec_from_settings(settings)
    config = TrainConfig(
        lora_r=int(settings["lora_r"]),
        lora_alpha=int(settings["lora_alpha"]),
        lora_dropout=float(settings["lora_dropout"]),
        learning_rate=float(settings["learning_rate"]),
        epochs=int(settings["epochs"]),
        batch_size=int(settings["train_batch_size"]),
        grad_accumulation=int(settings.get("grad_accumulation") or 1),
        max_length=int(settings["model_max_length"]),
        max_steps=int(settings["max_steps"]) if settings.get("max_steps") else None,
        seed=int(settings["sample_seed"]),
        checkpoint_seconds=float(settings.get("checkpoint_seconds") or 0),
    )
    return spec, config


def run_record(
    node: str, status: str, run: TrainingRun | None, merged_path: str | None, guide: str | None = None
) -> pa.Table:
    names = [f.name for f in fields(TrainingRun)]
    values = asdict(run) if run else dict.fromkeys(names)
    columns = {"node": [node], "status": [status]} | {n: [values[n]] for n in names}
    columns["merged_model_path"] = [merged_path]
    if node == "guide":  # which guide: several with cross-fitting (macros/guide.sql names them)
        columns["guide"] = pa.array([guide], pa.string())
    return pa.table(columns)


def adapter_node(con, relation, settings: dict, node: str, merge: bool) -> pa.Table:
    """Trains a LoRA adapter on the rows of `relation` (sample_id, prompt, response), or skips when
    the model layer is off; returns one row describing the run and where the adapter is."""
    if not settings["model_layer"]:
        return run_record(node, "skipped: model_layer is off", None, None)
    spec, config = specs_from_settings(settings)
    # a fixed order: the data fingerprint (and so the reuse of a trained adapter) depends on it
    rows = relation.select("sample_id, prompt, response").order("sample_id").to_arrow_table().to_pylist()
    if not rows:
        raise ValueError(f"{node}: no training rows in {relation.alias}")
    job = warehouse_job(warehouse_of(con), spec, node, rows, config, relation.alias)
    # in-process, or one Ray task on the cluster (a GPU there when the driver has none); run.json: the run's record
    [run] = train_jobs(settings.get("compute"), spec, [job])
    merged = str(merge_adapter(spec, run.adapter_path, merged_dir(warehouse_of(con), run.run_id))) if merge else None
    pause_at("recording")
    # dbt writes this row, and the training_runs model appends it to the history, whether this
    # build trained the adapter or reuses it (a build killed before recording it leaves no gap)
    return run_record(node, "reused" if run.reused else "trained", run, merged)


def guide_node(con, relation, settings: dict) -> pa.Table:
    """Trains (or reuses) every guide that mart_guide_sample names (trains_guide: one, or two with
    guide_cross_fit), each in its content-addressed folder beside the warehouse, measuring its loss on the rows that name it in
    heldout_for_guide, and merges each into the base; one row per guide."""
    if not settings["model_layer"]:
        return run_record("guide", "skipped: model_layer is off", None, None)
    spec, config = specs_from_settings(settings)
    columns = "sample_id, prompt, response, trains_guide, heldout_for_guide"
    rows = relation.select(columns).order("sample_id").to_arrow_table().to_pylist()
    guides = sorted({r["trains_guide"] for r in rows if r["trains_guide"]})
    untrained = sorted({r["heldout_for_guide"] for r in rows if r["heldout_for_guide"]} - set(guides))
    if untrained or not guides:
        raise ValueError(
            f"{', '.join(untrained) or 'guide'}: no training rows in {relation.alias} "
            "(guide_cross_fit needs both halves of the guide sample)"
        )
    warehouse = warehouse_of(con)

    def part(guide, column):
        return tuple({k: r[k] for k in ("sample_id", "prompt", "response")} for r in rows if r[column] == guide)

    jobs = [
        warehouse_job(
            warehouse, spec, g, list(part(g, "trains_guide")), config, relation.alias, part(g, "heldout_for_guide")
        )
        for g in guides
    ]
    runs = train_jobs(settings.get("compute"), spec, jobs, desc="guides")
    merged = [str(merge_adapter(spec, run.adapter_path, merged_dir(warehouse, run.run_id))) for run in runs]
    pause_at("recording")
    records = [
        run_record("guide", "reused" if run.reused else "trained", run, path, guide)
        for guide, run, path in zip(guides, runs, merged)
    ]
    return pa.concat_tables(records)


def settings_from_config(raw: str) -> dict:
    return json.loads(raw)
