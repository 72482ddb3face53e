"""mart_eval_results and mart_eval_item_nll as nodes of the dbt DAG: `evaluate_model` for every row
of int_models_to_evaluate on the rows of int_eval_records_filtered, in-process or on a Ray cluster as
the `compute` var says (evaluation/models_run.py). Both read one cache entry per model: the node that
runs second loads no model."""

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
        ("budget_fraction", pa.float64()),
        ("model_run", pa.string()),
        ("eval_set", pa.string()),
        ("lang", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("n", pa.int64()),
    ]
)

ITEM_SCHEMA = pa.schema(
    [
        ("arm", pa.string()),
        ("seed", pa.int32()),
        ("budget_fraction", pa.float64()),
        ("model_run", pa.string()),
        ("eval_id", pa.string()),
        ("eval_set", pa.string()),
        ("lang", pa.string()),
        ("nll_sum", pa.float64()),
        ("n_tokens", pa.int64()),
    ]
)


def spec_json(settings: dict) -> str:
    from training.dag import model_spec_from_settings

    return model_spec_from_settings(settings).to_json()


def eval_results_node(con, models, eval_records, settings_json: str, items: bool = False) -> pa.Table:
    """Per model, its metric rows (SCHEMA), or with `items` its per-item response NLLs (ITEM_SCHEMA)."""
    schema = ITEM_SCHEMA if items else SCHEMA
    settings = json.loads(settings_json)
    runs = models.order("model_run").to_arrow_table().to_pylist()
    if not settings["model_layer"] or not runs:
        return schema.empty_table()
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
        items=items,
    )
    out = []
    for run, results in zip(runs, evaluated):
        keys = {k: run[k] for k in ("arm", "seed", "budget_fraction", "model_run")}
        out += [keys | r for r in results]
    return pa.Table.from_pylist(out, schema=schema)
