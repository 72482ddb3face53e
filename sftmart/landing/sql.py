"""SQL assembly: the landing table's columns, and the SELECT that gives the full table from the
kept rows of the previous table and the Parquet stages (no joins: a join makes DuckDB's
CREATE TABLE AS use about twice the memory)."""

from __future__ import annotations

import datetime as _dt
import uuid

import pyarrow as pa

LANDING_COLUMNS: list[tuple[str, str]] = [
    ("record_id", "VARCHAR"),
    ("source_collection", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("record_index", "BIGINT"),
    ("line_number", "BIGINT"),
    ("instruction", "VARCHAR"),
    ("input", "VARCHAR"),
    ("output", "VARCHAR"),
    ("meta", "JSON"),
    ("content_hash", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("file_size", "BIGINT"),
    ("file_mtime_ns", "BIGINT"),
    ("loaded_at", "TIMESTAMP"),
    ("status", "VARCHAR"),
    ("reject_reason_code", "VARCHAR"),
    ("reject_reason", "VARCHAR"),
    ("excerpt", "VARCHAR"),
    ("options", "JSON"),  # multiple-choice options (choices.py), null when none
    ("answer_index", "BIGINT"),  # the right option, 0-based, null when none
]

CASE_LIMIT = 256  # more changed mtimes than this: a join instead of a CASE


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def empty_select() -> str:
    cols = ", ".join(f"cast(null as {typ}) as {name}" for name, typ in LANDING_COLUMNS)
    return f"select {cols} limit 0"


def cast_columns(select_sql: str) -> str:
    names = ", ".join(f"c{i}" for i in range(len(LANDING_COLUMNS)))
    casts = ", ".join(f"cast(c{i} as {typ}) as {name}" for i, (name, typ) in enumerate(LANDING_COLUMNS))
    return f"select {casts} from ({select_sql}) as t({names})"


def reused_rows_sql(con, previous_table: str, prev: dict, reuse: dict) -> str:
    """Rows of the previous table for the kept files, with their current size and mtime."""
    dropped = [rel for rel in prev if rel not in reuse]
    if not dropped:
        where = ""
    elif len(dropped) <= len(reuse):
        where = f"where p.source_file not in ({', '.join(map(sql_str, dropped))})"
    else:
        where = f"where p.source_file in ({', '.join(map(sql_str, sorted(reuse)))})"
    # Kept files always have the size they had (same size+mtime, same sha, or still too
    # large to read); only the mtime may have moved.
    moved = {rel: f for rel, f in reuse.items() if prev[rel].mtime_ns != f.mtime_ns}
    mtime, join = "p.file_mtime_ns", ""
    if 0 < len(moved) <= CASE_LIMIT:
        mtime = (
            "case p.source_file "
            + " ".join(f"when {sql_str(rel)} then {f.mtime_ns}" for rel, f in moved.items())
            + " else p.file_mtime_ns end"
        )
    elif moved:
        table = f"_sftmart_landing_moved_{uuid.uuid4().hex[:12]}"
        arrow = pa.table(
            {
                "source_file": pa.array(list(moved), pa.string()),
                "file_mtime_ns": pa.array([f.mtime_ns for f in moved.values()], pa.int64()),
            }
        )
        con.register(table + "_v", arrow)
        try:
            con.execute(f"create temp table {table} as select * from {table}_v")
        finally:
            con.unregister(table + "_v")
        join = f"left join {table} m on m.source_file = p.source_file"
        mtime = "coalesce(m.file_mtime_ns, p.file_mtime_ns)"
    return f"""
            select p.record_id, p.source_collection, p.source_file, p.record_index,
                   p.line_number, p.instruction, p.input, p.output, p.meta, p.content_hash,
                   p.file_sha256, p.file_size, {mtime}, p.loaded_at, p.status,
                   p.reject_reason_code, p.reject_reason, p.excerpt, p.options, p.answer_index
            from {previous_table} p {join} {where}"""


def staged_rows_sql(stage_paths: list[str], loaded_at: _dt.datetime, dropped: list[int]) -> str:
    """The rows staged in Parquet, less those of the file ids in `dropped` (failed part-way)."""
    ts = loaded_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    where = f"where n.file_id not in ({', '.join(map(str, dropped))})" if dropped else ""
    return f"""
            select left(md5(n.source_file || ':' || coalesce(cast(n.record_index as varchar), '')), 16),
                   n.source_collection, n.source_file, n.record_index, n.line_number,
                   n.instruction, n.input, n.output, n.meta,
                   case when n.status = 'landed'
                        then md5(n.instruction || chr(31) || n.input || chr(31) || n.output) end,
                   n.file_sha256, n.file_size, n.file_mtime_ns, TIMESTAMP '{ts}', n.status,
                   n.reject_reason_code, n.reject_reason, n.excerpt, n.options, n.answer_index
            from read_parquet([{", ".join(map(sql_str, stage_paths))}]) n {where}"""


def landing_sql(parts: list[str]) -> str:
    """The full landing table from its parts (each a SELECT of the columns in order)."""
    if not parts:
        return empty_select()
    return " union all ".join(cast_columns(part) for part in parts)
