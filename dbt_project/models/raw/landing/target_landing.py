"""Lands every target-example file under `target_root` (a few examples of the task the user
cares about) with the training data's landing code (sftmart.landing.land), exactly as
eval_landing lands the evaluation set: one row per record, landed or rejected with a reason from
sftmart/landing/reasons.py. Incremental by file like alpaca_cot_landing.

An empty target_root means no target: the landing table is empty.
"""


def model(dbt, session):
    # the rest of the incremental config: dbt_project.yml (models: raw: landing)
    dbt.config(materialized="incremental")
    import json
    import os

    from sftmart.landing import land
    from sftmart.landing.sql import empty_select

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    target_root = dbt_vars["target_root"]
    if not target_root:  # no target: nothing to land (as eval_landing does for eval_root none)
        return session.sql(empty_select())
    if not os.path.isdir(target_root):
        raise FileNotFoundError(f"target_root {target_root!r} is not a directory")
    return land(
        session,
        raw_root=target_root,
        previous_table=repr(dbt.this) if dbt.is_incremental else None,
        max_record_bytes=dbt_vars["max_record_bytes"],
        max_file_bytes=dbt_vars["max_file_bytes"],
        show_progress=True,
        follow_external_symlinks=dbt_vars["follow_external_symlinks"],
    )
