"""Lands every Alpaca-CoT file under `raw_root`: one row per record, landed or rejected with a reason.

Incremental by file: rows of files whose size, mtime or hash did not change are copied from the
previous build of this table instead of being parsed again (see sftmart.landing).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from sftmart.landing import land
    from sftmart.paths import BUNDLED_SAMPLE

    raw_root = dbt.config.get("raw_root") or str(BUNDLED_SAMPLE)
    previous = session.sql(
        "select 1 from information_schema.tables where table_schema = 'raw' and table_name = 'alpaca_cot_landing'"
    ).fetchall()
    return land(
        session,
        raw_root=raw_root,
        previous_table="raw.alpaca_cot_landing" if previous else None,
        max_record_bytes=int(dbt.config.get("max_record_bytes")),
        max_file_bytes=int(dbt.config.get("max_file_bytes")),
        show_progress=True,
        # links leaving raw_root are quarantined unread unless this is true (issue 14)
        follow_external_symlinks=str(dbt.config.get("follow_external_symlinks") or "false").strip().lower()
        in ("true", "1", "yes"),
    )
