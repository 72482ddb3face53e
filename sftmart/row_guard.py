"""The row guard of write-audit-publish: before a build copy replaces the published warehouse, the
row count of every table and view in the guarded schemas is compared with the published one, and
the publish is refused when any would be emptied or lose more than `max_shrink_share` of its rows.

It runs in the dbt process at exit (udfs.plugin), on the closed files, for every dbt command and
any selection, whatever the dbt tests said: a `dbt run --select alpaca_cot_landing` of an empty or
all-broken input publishes nothing. (The `shrink_guard` data tests of dbt_project/tests/ fail the
same inputs earlier in a `dbt build`, where dbt skips what lies downstream.)
"""

from __future__ import annotations

from pathlib import Path

GUARDED_SCHEMAS = ("raw", "staging", "intermediate", "marts", "validation")

# Relations whose rows may legitimately go (to none): what a clean input has none of, and what a
# build without the model layer or without arms leaves empty. Each with its reason.
MAY_SHRINK = {
    "raw.rejected_records": "the quarantine: a clean input has none",
    "raw.eval_rejected_records": "the evaluation quarantine: a clean evaluation set has none",
    "intermediate.int_eval_records_quarantined": "the evaluation quarantine: a clean evaluation set has none",
    "intermediate.int_samples_eval_matched": "training rows that copy an evaluation row: a clean pool has none",
    "raw.target_rejected_records": "the target quarantine: clean target examples have none",
    "intermediate.int_target_quarantine": "the target quarantine: clean target examples have none",
    "intermediate.int_records_cleaning_diff": "what cleaning changed: a clean input has none",
    "intermediate.int_duplicate_clusters": "duplicates found: an input without any has none",
    "intermediate.int_semantic_duplicate_clusters": "semantic duplicates found: none without the model layer",
    "marts.mart_selection_order": "ranks of an algorithmic order step: none when the recipe orders by a column",
    "marts.arm_adapters": "the experiment's arms: none when a build names no arms",
    "marts.mart_arm_mixes": "the experiment's arms: none when a build names no arms",
    "marts.mart_arm_comparison": "the experiment's arms: none when a build names no arms",
    "marts.mart_arm_tokens": "the experiment's arms: none when a build names no arms",
    "intermediate.int_arm_metrics_compared": "the experiment's arms: none when a build names no arms",
    "marts.mart_arm_curve": "the experiment's arms: none when a build names no arms",
    "marts.mart_mix_target_provenance": "mixes drawn toward the target: none when a build names no target arm",
    "marts.mart_eval_item_nll": "evaluations: none without the model layer",
    "marts.mart_eval_results": "evaluations: none without the model layer",
    "intermediate.int_models_to_evaluate": "evaluations: none without the model layer",
    "marts.training_runs": "training runs: none without the model layer",
}

# Features a user can turn off by a var, and the words in the names of the relations each then
# leaves empty: `eval_root: none` (no evaluation set) empties raw.eval_landing, the eval staging and
# intermediate models and mart_eval_results; an empty `target_root` the target examples and DSIR's
# tables. The publish hook says which are off this run.
TURNED_OFF = {"eval": ("eval", "heldout"), "target": ("target", "dsir")}


def row_counts(path: Path) -> dict[str, int]:
    """{schema.name: rows} of every table and view of the guarded schemas in the DuckDB file `path`
    (read-only; sftmart's UDFs registered, should a view call one)."""
    import duckdb

    from udfs.registry import register_all

    with duckdb.connect(str(path), read_only=True) as con:
        register_all(con)
        relations = con.execute(
            """select schema_name, table_name from duckdb_tables() where database_name = current_database()
               union all
               select schema_name, view_name from duckdb_views()
               where database_name = current_database() and not internal""",
        ).fetchall()
        counts = {}
        for schema, name in relations:
            if schema in GUARDED_SCHEMAS:
                quoted = f'"{schema}"."{name}"'
                counts[f"{schema}.{name}"] = con.execute(f"select count(*) from {quoted}").fetchone()[0]
        return counts


def shrunk(
    published: dict[str, int], built: dict[str, int], max_shrink_share: float, turned_off: tuple[str, ...] = ()
) -> list[str]:
    """The guarded relations the build would empty, lose or shrink by more than `max_shrink_share`
    of their published rows ('name: published -> built'), earliest layer first (the cause comes
    first); relations in MAY_SHRINK, and those of a feature in `turned_off`, are left out."""
    words = [word for feature in turned_off for word in TURNED_OFF[feature]]
    found = []
    by_layer = sorted(published.items(), key=lambda item: (GUARDED_SCHEMAS.index(item[0].split(".")[0]), item[0]))
    for name, before in by_layer:
        if before == 0 or name in MAY_SHRINK or any(word in name.split(".")[1] for word in words):
            continue
        after = built.get(name, 0)
        if after == 0 or after < before * (1 - max_shrink_share):
            found.append(f"{name}: {before} -> {after} rows")
    return found


def refusal(
    published_file: Path, build_file: Path, max_shrink_share: float, turned_off: tuple[str, ...] = ()
) -> str | None:
    """Why the build copy must not replace the published file, or None when no table shrinks."""
    if not published_file.exists():
        return None
    found = shrunk(row_counts(published_file), row_counts(build_file), max_shrink_share, turned_off)
    if not found:
        return None
    shown = "; ".join(found[:4]) + (f"; and {len(found) - 4} more" if len(found) > 4 else "")
    return (
        f"the row guard: {len(found)} table(s) would be emptied or shrink by more than "
        f"max_shrink_share={max_shrink_share:g}: {shown}"
    )
