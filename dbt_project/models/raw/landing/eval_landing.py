"""Lands every evaluation file under `eval_root` with the training data's landing code
(sftmart.landing.land): one row per record, landed or rejected with a reason from
sftmart/landing/reasons.py. Records may carry multiple-choice `options` and `answer`
(sftmart/landing/choices.py), kept as `options` (JSON) and `answer_index` (0-based).

Incremental by file exactly like alpaca_cot_landing (see its docstring); an empty eval_root
lands the bundled set in sample_data/eval. A folder that yields no landed record (empty, missing,
or every record rejected) fails the build before anything publishes: every later comparison would
be made on no evaluation rows. `eval_root: none` lands nothing: evaluation and the experiment are
off, and the funnel and the report say so.
"""


def model(dbt, session):
    # the rest of the incremental config: dbt_project.yml (models: raw: landing)
    dbt.config(materialized="incremental")
    import json

    from sftmart.landing import land
    from sftmart.landing.sql import empty_select
    from sftmart.paths import eval_folder

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    folder = eval_folder(dbt_vars["eval_root"])
    if folder is None:  # eval_root: none
        return session.sql(empty_select())
    hint = "put evaluation files there, or set eval_root: none to turn evaluation and the experiment off"
    if not folder.is_dir():
        raise FileNotFoundError(f"eval_root {str(folder)!r} is not a directory: {hint}")
    landed = land(
        session,
        raw_root=str(folder),
        previous_table=repr(dbt.this) if dbt.is_incremental else None,
        max_record_bytes=dbt_vars["max_record_bytes"],
        max_file_bytes=dbt_vars["max_file_bytes"],
        show_progress=True,
        follow_external_symlinks=dbt_vars["follow_external_symlinks"],
    )
    if not landed.filter("status = 'landed'").limit(1).fetchall():
        rejects = landed.aggregate("reject_reason_code || ': ' || count(*)", "reject_reason_code").fetchall()
        found = (
            f"every input unit was rejected: {', '.join(sorted(r for (r,) in rejects))}" if rejects else "no input file"
        )
        raise ValueError(f"eval_root {str(folder)!r} yields no evaluation record ({found}): {hint}")
    return landed
