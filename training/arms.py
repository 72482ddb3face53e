"""The experiment's arms as one node of the dbt DAG: one LoRA adapter per (arm, seed, budget
fraction) of marts.mart_arm_mixes, every one with the same LoRA configuration (the final adapter's
settings) and the arm seed as training seed, in a content-addressed folder beside the warehouse
(sftmart.artefacts, labelled <arm>-<seed>-b<fraction>). Each adapter is
reused while its fingerprint (base model + data + config) holds, as the guide and final adapters are
(training.dag); one row per run, which marts.training_runs appends to the history (node 'arm').
The runs train in-process one after the other, or as Ray tasks when the `compute` var says
`backend: ray` (training/remote.py)."""

from __future__ import annotations

from dataclasses import fields, replace
from itertools import groupby

import pyarrow as pa

from sftmart.paths import warehouse_of
from training.dag import run_record, specs_from_settings
from training.remote import train_jobs, warehouse_job
from training.runs import TrainingRun

NODE = "arm"
ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "float | None": pa.float64(),
    "int | None": pa.int64(),
    "bool": pa.bool_(),
}


def record_schema() -> pa.Schema:
    """The columns of run_record plus the arm's own, typed, so that a run with no arms still makes
    a table with every column."""
    run_fields = [pa.field(f.name, ARROW_TYPES[f.type]) for f in fields(TrainingRun)]
    return pa.schema(
        [pa.field("arm", pa.string()), pa.field("seed", pa.int64()), pa.field("budget_fraction", pa.float64())]
        + [pa.field("node", pa.string())]
        + [pa.field("status", pa.string()), *run_fields, pa.field("merged_model_path", pa.string())]
        + [pa.field("mix_samples", pa.int64()), pa.field("mix_tokens", pa.int64())]
    )


def arm_adapters_node(con, relation, settings: dict) -> pa.Table:
    """Trains (or reuses) one adapter per (arm, seed, budget_fraction) in `relation` (mart_arm_mixes:
    arm, seed, budget_fraction, sample_id, prompt, response, n_tokens); no rows when the model layer is
    off or no arm was drawn."""
    schema = record_schema()
    if not settings["model_layer"]:
        return schema.empty_table()
    spec, config = specs_from_settings(settings)
    # a fixed order: the data fingerprint (and so the reuse of a trained adapter) depends on it
    rows = (
        relation.select("arm, seed, budget_fraction, sample_id, prompt, response, n_tokens")
        .order("arm, seed, budget_fraction, sample_id")
        .to_arrow_table()
        .to_pylist()
    )
    by_draw = groupby(rows, key=lambda r: (r["arm"], int(r["seed"]), float(r["budget_fraction"])))
    arms = [(key, list(group)) for key, group in by_draw]
    jobs = [
        warehouse_job(
            warehouse_of(con),
            spec,
            label=f"{arm}-{seed}-b{fraction:g}",
            rows=[{k: r[k] for k in ("sample_id", "prompt", "response")} for r in mix],
            config=replace(config, seed=seed),
            data_source=f"mart_arm_mixes:{arm}-{seed}-b{fraction:g}",
        )
        for (arm, seed, fraction), mix in arms
    ]
    runs = train_jobs(settings.get("compute"), spec, jobs, desc="arm adapters")
    records = []
    for ((arm, seed, fraction), mix), run in zip(arms, runs):
        record = run_record(NODE, "reused" if run.reused else "trained", run, None).to_pylist()[0]
        records.append(
            record
            | {"arm": arm, "seed": seed, "budget_fraction": fraction, "mix_samples": len(mix)}
            | {"mix_tokens": sum(int(r["n_tokens"]) for r in mix)}
        )
    return pa.Table.from_pylist(records, schema=schema)
