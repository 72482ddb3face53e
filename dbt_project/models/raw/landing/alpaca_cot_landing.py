"""Lands every Alpaca-CoT file under `raw_root`: one row per record, landed or rejected with a reason.

Incremental by file, through dbt's incremental machinery: on an incremental run the previous
build (`dbt.this`) is handed to sftmart.landing.land, which re-reads only new or changed files and
returns the whole table (the kept rows of unchanged files plus the new rows). dbt merges that into
the table on record_id: changed rows are updated, new ones inserted, and rows that are no longer
there (files removed or changed) deleted. `dbt build --full-refresh` lands everything again, which
is how a new max_record_bytes re-judges files that did not change. The incremental config (the
merge on record_id and its clauses) is set once for the three landing models, in dbt_project.yml
(models: raw: landing).
"""


def model(dbt, session):
    # the rest of the incremental config: dbt_project.yml (models: raw: landing)
    dbt.config(materialized="incremental")
    import json

    from sftmart.landing import land
    from sftmart.paths import BUNDLED_SAMPLE

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    return land(
        session,
        raw_root=dbt_vars["raw_root"] or str(BUNDLED_SAMPLE),
        previous_table=repr(dbt.this) if dbt.is_incremental else None,
        max_record_bytes=dbt_vars["max_record_bytes"],
        max_file_bytes=dbt_vars["max_file_bytes"],
        show_progress=True,
        # links leaving raw_root are quarantined unread unless this is true
        follow_external_symlinks=dbt_vars["follow_external_symlinks"],
    )
