"""Rows and tokens each node will process: from the published warehouse when it was built from the
same input files, else projected from the raw scan (sftmart.plan.scan) with the share of the raw
records each node keeps (`SURVIVAL`, measured on the bundled sample and Alpaca-CoT corpora; a
node not listed keeps its parents' rows) and, in the model layer, the budgets the vars set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sftmart.plan.nodes import Node
from sftmart.plan.scan import RawScan

# Share of the raw records a node holds, for the nodes whose rows differ from their parents'.
SURVIVAL = {
    "int_records_cleaned": 0.99,
    "int_records_lang_tagged": 0.99,
    "int_records_quality_scored": 0.99,
    "int_samples_exact_deduped": 0.85,
    "int_samples_minhashed": 0.85,
    "int_samples_eval_matched": 0.0,
    "int_samples_decontaminated": 0.80,
    "int_samples_tokenized": 0.80,
    "int_duplicate_clusters": 0.10,
    "int_near_duplicate_components": 0.10,
    "mart_candidate_pool": 0.78,
    "landed_files": 0.0,
    "rejected_records": 0.02,
}
FIXED_ROWS = {"landed_files": "files", "mart_pipeline_funnel": 40}  # rows that do not scale with records
POOL = "mart_candidate_pool"
TOKEN_TABLES = ("int_samples_tokenized", "mart_candidate_pool", "mart_guide_sample", "mart_training_mix")
MIX_TABLES = {"mart_training_mix": "token_budget", "mart_guide_sample": "guide_token_budget"}
LEARNABLE_SHARE = 0.5  # of the pool, kept by the entropy_drop rule (bundled sample: 0.4-0.6)


@dataclass
class Volume:
    rows: float
    tokens: float
    source: str  # "warehouse" or "scan"


def warehouse_is_current(con, raw_root: Path) -> bool:
    """Whether the published warehouse landed exactly the files now under raw_root (names and sizes)."""
    try:
        landed = con.execute("select source_file, file_size from raw.landed_files").fetchall()
    except Exception:  # no such table: an empty or foreign warehouse
        return False
    try:
        files = {str(p.relative_to(raw_root)): p.stat().st_size for p in raw_root.rglob("*") if p.is_file()}
    except OSError:
        return False
    if len(landed) != len(files):
        return False
    for source, size in landed:
        match = [rel for rel in files if str(source).endswith(rel)]
        if not match or files[match[0]] != size:
            return False
    return True


def warehouse_volumes(con, nodes: list[Node]) -> dict[str, Volume]:
    """Rows (and tokens, where the table has n_tokens) of every node's relation in the warehouse."""
    have = {
        (s, t): cols
        for s, t, cols in con.execute(
            "select schema_name, table_name, list(column_name) from duckdb_columns() group by 1, 2"
        ).fetchall()
    }
    out = {}
    for node in nodes:
        key = (node.schema, node.name)
        if node.resource_type != "model" or key not in have:
            continue
        tokens_sql = "sum(n_tokens)" if "n_tokens" in have[key] else "0"
        rows, tokens = con.execute(f'select count(*), coalesce({tokens_sql}, 0) from "{key[0]}"."{key[1]}"').fetchone()
        out[node.name] = Volume(float(rows), float(tokens), "warehouse")
    return out


def side_rows(name: str, dbt_vars: dict, eval_rows: float) -> float | None:
    """Rows of the nodes off the main line: the evaluation set's, the target's, the arms', the
    model layer's one-row records; None for a node on the main line."""
    if any(k in name for k in ("eval_", "heldout", "models_to_evaluate")):
        return eval_rows if "models_to_evaluate" not in name else 2.0 * bool(dbt_vars.get("model_layer"))
    if "target" in name or "dsir" in name:
        return 0.0 if not dbt_vars.get("target_root") else None
    if "arm_" in name:
        return 0.0 if not dbt_vars.get("arms") else None
    if name in ("guide_adapter", "final_adapter", "training_runs"):
        return 1.0
    return None


def scan_volumes(nodes: list[Node], scan: RawScan, dbt_vars: dict, eval_rows: float) -> dict[str, Volume]:
    """Every node's rows and tokens projected from the raw scan: a node keeps its listed share of the
    raw records, or its largest parent's rows; tokens at the sampled tokens per record."""
    by_id = {n.unique_id: n for n in nodes}
    out: dict[str, Volume] = {}
    for node in nodes:
        side = side_rows(node.name, dbt_vars, eval_rows)
        if side is not None:
            out[node.name] = Volume(side, 0.0, "scan")
            continue
        if node.name in MIX_TABLES:
            pool = out.get(POOL, Volume(0.0, 0.0, "scan")).rows
            budget = float(dbt_vars[MIX_TABLES[node.name]])
            rows = min(pool * LEARNABLE_SHARE, budget / max(scan.tokens_per_record, 1.0))
            out[node.name] = Volume(rows, rows * scan.tokens_per_record, "scan")
            continue
        if node.name in FIXED_ROWS:
            fixed = FIXED_ROWS[node.name]
            rows = float(scan.files if fixed == "files" else fixed)
        elif node.name in SURVIVAL:
            rows = scan.records * SURVIVAL[node.name]
        else:
            parents = [out[by_id[p].name].rows for p in node.parents if p in by_id and by_id[p].name in out]
            rows = max(parents) if parents else (scan.records if node.layer in ("raw", "staging") else 0.0)
        tokens = rows * scan.tokens_per_record if node.name in TOKEN_TABLES else 0.0
        out[node.name] = Volume(rows, tokens, "scan")
    return out


def model_layer_volumes(volumes: dict[str, Volume], dbt_vars: dict) -> dict[str, float]:
    """Tokens through the model-heavy steps at these vars: the pool (or score_sample_rows of it) scored twice, the guide and the
    final adapter trained on their budgets (or max_steps), the evaluation's models."""
    pool = volumes.get(POOL, Volume(0, 0, "scan"))
    per_row = pool.tokens / pool.rows if pool.rows else 0.0
    guide_tokens = min(float(dbt_vars["guide_token_budget"]), pool.tokens)
    mix = volumes.get("mart_training_mix")
    if mix is not None and mix.source == "warehouse":
        mix_tokens = mix.tokens
    else:
        mix_tokens = min(float(dbt_vars["token_budget"]), pool.tokens * LEARNABLE_SHARE)
    sample = dbt_vars.get("score_sample_rows")
    scored_rows = pool.rows if sample is None else min(pool.rows, float(sample))
    return {
        "pool_rows": pool.rows,
        "pool_tokens": pool.tokens,
        "scored_rows": scored_rows,
        "scored_tokens": scored_rows * per_row,
        "tokens_per_row": per_row,
        "guide_tokens": guide_tokens,
        "mix_tokens": mix_tokens,
    }
