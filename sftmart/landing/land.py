"""`land`: the landing table of a raw folder, as a DuckDB relation (see the package docstring)."""

from __future__ import annotations

import datetime as _dt
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sftmart.landing import files
from sftmart.landing.changes import changed_under_landing, plan, previous_state
from sftmart.landing.parse import reject_too_large_file
from sftmart.landing.reasons import CHANGED_DURING_READ
from sftmart.landing.sink import Sink
from sftmart.landing.sql import landing_sql, reused_rows_sql, staged_rows_sql
from sftmart.landing.tmpdir import make_stage_dir, tmp_root
from sftmart.landing.window import Progress
from sftmart.landing.workers import parse_all

if TYPE_CHECKING:  # landing workers never import DuckDB
    import duckdb


def land(
    con: duckdb.DuckDBPyConnection,
    raw_root,
    previous_table: str | None = None,
    max_record_bytes: int = 1_000_000,
    max_file_bytes: int = 2_000_000_000,
    show_progress: bool = False,
    follow_external_symlinks: bool = False,
) -> duckdb.DuckDBPyRelation:
    """Land every file under `raw_root`; return the full landing table as a relation on `con`.

    Unchanged files (same size and mtime as in `previous_table`, or same sha256) are not
    parsed: their rows come from `previous_table`, `loaded_at` included. Raises only for
    a `raw_root` that is not a directory (an empty landing would wipe the table).
    """
    root = Path(raw_root)
    if not root.is_dir():
        raise FileNotFoundError(f"raw_root {str(root)!r} is not a directory")
    found = files.scan_tree(root, follow_external_symlinks)
    prev = previous_state(con, previous_table) or {}
    loaded_at = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)

    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, desc="landing", dynamic_ncols=True)
    progress = Progress(bar)

    # 1. Decide per file: reuse the previous rows, reject it unread, or parse it.
    todo = plan(found, prev, max_file_bytes, progress, bar)

    # 2. Parse what is new or changed into Parquet stages (in worker processes when it pays).
    ids = itertools.count(1)
    jobs, read = [], []  # read: (file, sha256, file id), for the check after reading
    for f, sha in sorted(todo.parse, key=lambda t: t[0].rel):
        read.append((f, sha, next(ids)))
        jobs.append((f.path, f.size, (read[-1][2], f.rel, f.collection, sha, f.size, f.mtime_ns), f.ident))
    stage_dir = make_stage_dir(tmp_root(con))
    sink = Sink(os.path.join(stage_dir, "file_rejects.parquet"))
    for f, code, reason in todo.direct:
        ctx = (next(ids), f.rel, f.collection, None, f.size, f.mtime_ns)
        if code == "file_too_large":
            reject_too_large_file(sink, ctx, f.size, max_file_bytes)
        else:
            sink.reject(ctx, None, None, code, reason, None)
    try:
        stages = parse_all(jobs, stage_dir, max_record_bytes, max_file_bytes, progress)
    finally:
        if bar is not None:
            bar.close()
    dropped: list[int] = []  # file ids whose partly staged rows must be left out
    for stage in stages:
        for ctx, reason in stage.failures:
            if ctx[0] not in dropped:  # a file split into line ranges may fail in several
                dropped.append(ctx[0])
                sink.reject((next(ids),) + ctx[1:], None, None, "unreadable_file", reason, None)
    # 3. A file that moved under the landing (appended to, truncated, replaced) keeps no rows:
    # they may be a fraction of either version. One quarantine row; the next build reads it again.
    for f, file_id, reason in changed_under_landing([r for r in read if r[2] not in dropped], todo.reuse, prev):
        if file_id is None:
            del todo.reuse[f.rel]
        else:
            dropped.append(file_id)
        sink.reject(
            (next(ids), f.rel, f.collection, None, f.size, f.mtime_ns), None, None, CHANGED_DURING_READ, reason, None
        )
    sink.close()
    stage_paths = [stage.path for stage in stages if stage.rows] + ([sink.path] if sink.count else [])

    # 4. The landing table: kept rows of the previous table + the staged rows.
    parts = []
    if todo.reuse:
        parts.append(reused_rows_sql(con, previous_table, prev, todo.reuse))
    if stage_paths:
        parts.append(staged_rows_sql(stage_paths, loaded_at, dropped))
    return con.sql(landing_sql(parts))
