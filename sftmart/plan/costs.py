"""What a node costs: seconds, peak memory and disk, from its rows and tokens.

SQL and UDF nodes: a fixed cost per kind of node plus microseconds per row, measured on this
project's two cores when quiet (bench/RESULTS.md, 200k rows). Model-heavy nodes: tokens over the
calibrated throughputs (sftmart.plan.calibrate). Both are quiet-machine figures; on a shared
machine they are stretched by the contention (load average per core, `contention()`), which is
also how a calibration measured under load is brought back to quiet figures.
"""

from __future__ import annotations

import os

FIXED_S = {"view": 0.08, "table": 0.15, "incremental": 0.3, "python": 0.06, "test": 0.03, "seed": 0.1}
DBT_START_S = 7.0  # dbt's start and its parse of the project (a full re-parse after a vars change)
# microseconds per input row, quiet (bench/RESULTS.md "Current figures", 200k rows), and start costs,
# some adjusted after the first plan-vs-build run at 200k rows (bench/bench_plan.py; bench/RESULTS.md)
US_PER_ROW = {
    "alpaca_cot_landing": 14.0,
    "int_records_cleaned": 10.0,
    "int_records_lang_tagged": 4.0,
    "int_records_quality_scored": 5.5,
    "int_samples_exact_deduped": 0.7,
    "int_samples_minhashed": 5.3,
    "int_near_duplicate_components": 2.0,
    "int_samples_tokenized": 5.0,
    "mart_record_outcomes": 1.0,
    "int_samples_eval_matched": 5.0,
    "mart_guide_sample": 3.0,
    "mart_training_mix": 2.0,
    "mart_candidate_pool": 1.0,
    "validate_raw": 8.0,
    "validate_staging": 2.0,
    "validate_intermediate": 5.0,
    "validate_marts": 5.0,
}
FIXED_NODE_S = {  # nodes with a start cost of their own (module imports, a model, a suite)
    "eval_landing": 0.9,
    "int_samples_tokenized": 3.0,  # the BPE tables and the compiled kernels loaded
    "int_records_cleaned": 1.5,
    "int_samples_eval_matched": 0.5,
    "int_samples_semantic_deduped": 0.5,
    "alpaca_cot_landing": 0.6,
    "int_eval_records_cleaned": 0.9,
    "validate_raw": 1.5,
    "validate_staging": 1.2,
    "validate_intermediate": 0.8,
    "validate_marts": 0.8,
}
TEST_US_PER_ROW = 0.15  # a dbt data test's scan of its table
BYTES_PER_TEXT_ROW = 2.2  # a text-carrying table's bytes per raw text byte (columns, compression)
TEXT_LAYERS = ("raw", "staging", "intermediate", "marts")
BASE_RSS_MB = 450  # dbt, DuckDB and the UDF modules
MODEL_RSS_MB = {"score": 1800, "train": 7200, "eval": 2600}  # SmolLM2-135M on CPU, fp32 (bench/RESULTS.md)
IFD_EXTRA = 0.45  # base scoring adds IFD's response-alone pass (bench/RESULTS.md)
MERGE_S = 6.0  # merging the guide adapter into the base model


def contention(cores: int | None = None) -> float:
    """How much slower than quiet this machine runs now: runnable tasks per core, at least 1."""
    cores = cores or os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1.0
    return max(1.0, load / cores)


def sql_seconds(node, rows_in: float) -> float:
    kind = "python" if node.is_python else node.materialized
    fixed = FIXED_NODE_S.get(node.name, FIXED_S.get(kind, 0.15))
    per_row = TEST_US_PER_ROW if node.resource_type == "test" else US_PER_ROW.get(node.name, 0.05)
    return fixed + per_row * rows_in / 1e6


def sql_rss_mb(rows_in: float, text_bytes_per_row: float) -> float:
    return BASE_RSS_MB + rows_in * text_bytes_per_row * 3 / 2**20


def disk_mb(node, rows: float, text_bytes_per_row: float) -> float:
    """What the node's relation adds to the warehouse file (a view adds nothing)."""
    if node.resource_type == "test" or node.materialized == "view":
        return 0.0
    per_row = text_bytes_per_row * BYTES_PER_TEXT_ROW if node.layer in TEXT_LAYERS else 64
    return rows * per_row / 2**20


SQL_ORDERS = ("random", "dsir", "target_similarity")  # orders that rank by no base-model score


def ifd_needed(dbt_vars: dict) -> bool:
    """Whether base scoring runs IFD's second pass: the twin of macros/model_layer.sql ifd_needed."""
    recipe = dbt_vars.get("selection_recipe") or []
    orders = [s for s in recipe if s.get("step") == "order"]
    by = (orders[-1].get("by") or "random") if orders else "random"
    uses = any(s.get("step") == "ifd" for s in recipe) or by not in SQL_ORDERS
    return dbt_vars.get("ifd") == "always" or uses


def score_seconds(tokens: float, cal: dict, ifd: bool) -> float:
    return cal["load_seconds"] + tokens * (1 + IFD_EXTRA * ifd) / cal["score_tokens_per_s"]


def train_seconds(tokens: float, cal: dict, merge: bool) -> float:
    return cal["load_seconds"] + cal["train_setup_seconds"] + tokens / cal["train_tokens_per_s"] + MERGE_S * merge


def eval_seconds(models: int, eval_tokens: float, generations: int, new_tokens: int, cal: dict) -> float:
    """Per model: load, the response NLL and multiple-choice passes (about the eval tokens once: the
    options share their prompt's pass, which also gives a question's response NLL; on the bundled
    set 27 s of 65 per model), and the greedy generations."""
    per_model = cal["load_seconds"] + eval_tokens / cal["score_tokens_per_s"]
    return models * (per_model + generations * new_tokens / cal["generate_tokens_per_s"])
