"""Lands every evaluation file under `eval_root` with the training data's landing code
(sftmart.landing.land): one row per record, landed or rejected with a reason from
sftmart/landing/reasons.py. Records may carry multiple-choice `options` and `answer`
(sftmart/landing/choices.py), kept as `options` (JSON) and `answer_index` (0-based).

Incremental by file exactly like alpaca_cot_landing (see its docstring); an empty eval_root
lands the bundled set in sample_data/eval.
"""


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        incremental_strategy="merge",
        unique_key="record_id",
        on_schema_change="sync_all_columns",
        merge_clauses={
            "when_matched": [
                {
                    "action": "update",
                    "mode": "by_name",
                    "condition": "(DBT_INTERNAL_SOURCE.loaded_at is distinct from DBT_INTERNAL_DEST.loaded_at"
                    " or DBT_INTERNAL_SOURCE.file_mtime_ns is distinct from DBT_INTERNAL_DEST.file_mtime_ns)",
                }
            ],
            "when_not_matched": [
                {"action": "insert", "mode": "by_name"},
                {"by": "source", "action": "delete"},
            ],
        },
    )
    import json
    import os

    from sftmart.landing import land
    from sftmart.paths import BUNDLED_EVAL

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    eval_root = dbt_vars["eval_root"] or str(BUNDLED_EVAL)
    if not os.path.isdir(eval_root):
        raise FileNotFoundError(f"eval_root {eval_root!r} is not a directory")
    return land(
        session,
        raw_root=eval_root,
        previous_table=repr(dbt.this) if dbt.is_incremental else None,
        max_record_bytes=dbt_vars["max_record_bytes"],
        max_file_bytes=dbt_vars["max_file_bytes"],
        show_progress=True,
        follow_external_symlinks=dbt_vars["follow_external_symlinks"],
    )
