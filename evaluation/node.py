"""mart_eval_results as a node of the dbt DAG: `evaluate_model` for every row of
int_models_to_evaluate on the rows of int_eval_records_filtered, in-process or on a Ray cluster as the
`compute` var says (evaluation/models_run.py)."""

from __future__ import annotations

import json

import pyarrow as pa

from evaluation.models_run import evaluate_models
from sftmart.artefacts import eval_cache_path
from sftmart.paths import warehouse_of

SCHEMA = pa.schema(
    [
        ("arm", pa.string()),
        ("seed", pa.int32()),
        ("model_run", pa.string()),
        ("eval_set", pa.string()),
        ("lang", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("n", pa.int64()),
    ]
)


def spec_json(settings: dict) -> str:
    from training.dag import model_spec_from_settings

    return model_spec_from_settings(settings).to_json()


def eval_results_node(con, models, eval_records, settings_json: str) -> pa.Table:
    settings = json.loads(settings_json)
    runs = models.order("model_run").to_arrow_table().to_pylist()
    if not settings["model_layer"] or not runs:
        return SCHEMA.empty_table()
    rows = eval_records.order("eval_id").to_arrow_table().to_pylist()
    if not rows:
        raise ValueError("mart_eval_results: int_eval_records_filtered is empty; eval_root holds no evaluation rows")
    cache = str(eval_cache_path(warehouse_of(con)))
    evaluated = evaluate_models(
        spec_json(settings),
        [run["adapter_path"] for run in runs],
        rows,
        generation_samples=int(settings["eval_generation_samples"]),
        max_new_tokens=int(settings["eval_max_new_tokens"]),
        cache_path=cache,
        compute=settings.get("compute"),
    )
    out = []
    for run, results in zip(runs, evaluated):
        keys = {"arm": run["arm"], "seed": run["seed"], "model_run": run["model_run"]}
        out += [keys | r for r in results]
    return pa.Table.from_pylist(out, schema=SCHEMA)
