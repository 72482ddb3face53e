"""Change detection: which files keep their rows from the previous landing and which are read.

A file whose size and mtime match the previous table is not opened. If only the mtime changed
and the sha256 of the content is the same, its old rows are kept too (with the new mtime).
`unreadable_file` and `changed_during_read` files are always retried and `file_too_large` ones
re-judged against the current max_file_bytes; whatever the scan quarantined is re-judged every time (it is never
read, so that costs nothing). Changing max_record_bytes needs a full refresh to re-judge files
that did not change.

`changed_under_landing` is the check after reading: a file whose size, mtime or inode is no
longer what the scan found was appended to, truncated or replaced while it was landed, so its
rows may be a fraction of either version; they are dropped for one `changed_during_read` row
(sizes and sha256 before and after), and the next build reads the file again.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

from sftmart.landing import files
from sftmart.landing.files import SUPPORTED_SUFFIXES, FileInfo
from sftmart.landing.reasons import CHANGED_DURING_READ
from sftmart.landing.sql import LANDING_COLUMNS
from sftmart.landing.window import Progress

RETRIED_CODES = ("unreadable_file", CHANGED_DURING_READ)  # never kept: read again every build


@dataclass
class PrevFile:
    size: int | None
    mtime_ns: int | None
    sha: str | None
    file_code: str | None  # reason code of a whole-file reject, if that is what it was


def _split_name(name: str) -> list[str]:
    return [p.strip().strip('"') for p in name.split(".")]


def previous_state(con, previous_table: str | None) -> dict[str, PrevFile] | None:
    if not previous_table:
        return None
    parts = _split_name(previous_table)
    if not 1 <= len(parts) <= 3:
        warnings.warn(f"previous_table {previous_table!r}: cannot parse the name; ignoring it", stacklevel=2)
        return None
    conds = ["table_name = ?"]
    params = [parts[-1]]
    if len(parts) >= 2:
        conds.append("schema_name = ?")
        params.append(parts[-2])
    if len(parts) == 3:
        conds.append("database_name = ?")
        params.append(parts[0])
    where = " and ".join(conds)
    cols = con.execute(f"select column_name from duckdb_columns() where {where}", params).fetchall()
    if not cols:
        return None  # first run: the table does not exist yet
    have = {c[0] for c in cols}
    missing = [name for name, _ in LANDING_COLUMNS if name not in have]
    if missing:
        warnings.warn(
            f"previous_table {previous_table!r} lacks columns {missing}; landing everything from scratch", stacklevel=2
        )
        return None
    rows = con.execute(
        f"select source_file, any_value(file_size), any_value(file_mtime_ns), "
        f"any_value(file_sha256), "
        f"any_value(reject_reason_code) filter (where record_index is null) "
        f"from {previous_table} group by source_file"
    ).fetchall()
    return {r[0]: PrevFile(r[1], r[2], r[3], r[4]) for r in rows}


@dataclass
class Plan:
    reuse: dict[str, FileInfo] = field(default_factory=dict)  # rel -> file keeping its rows
    parse: list[tuple[FileInfo, str | None]] = field(default_factory=list)  # (file, sha256)
    direct: list[tuple[FileInfo, str, str]] = field(default_factory=list)  # rejected unread


def plan(found: list[FileInfo], prev: dict[str, PrevFile], max_file_bytes: int, progress: Progress, bar=None) -> Plan:
    """Decide per file: keep its previous rows, reject it without reading, or parse it (after
    hashing it: a touched file with the same content keeps its rows)."""
    out = Plan()
    to_hash: list[FileInfo] = []
    for f in found:
        p = prev.get(f.rel)
        supported = os.path.splitext(f.rel)[1].lower() in SUPPORTED_SUFFIXES
        if f.code is not None:
            out.direct.append((f, f.code, f.reason))
        elif f.error is not None:
            out.direct.append(
                (
                    f,
                    "unreadable_file",
                    f.error if f.error.startswith("the folder") else f"the file could not be read: {f.error}",
                )
            )
        elif p is not None and p.file_code == "file_too_large":
            if p.size == f.size and f.size > max_file_bytes:
                out.reuse[f.rel] = f  # never read; still too large
            else:
                to_hash.append(f)
        elif p is not None and p.file_code not in RETRIED_CODES and p.size == f.size and p.mtime_ns == f.mtime_ns:
            out.reuse[f.rel] = f
        elif f.size > max_file_bytes:
            if supported:
                out.direct.append((f, "file_too_large", ""))
            else:
                to_hash.append(f)  # parse_file rejects it without reading
        else:
            to_hash.append(f)
    if bar is not None:
        bar.total = 2 * sum(f.size for f in to_hash if f.size <= max_file_bytes)
        bar.refresh()
    for f in to_hash:
        sha = None
        if f.size <= max_file_bytes:
            try:
                sha = files.sha256_file(f.path, progress, f.ident)
            except OSError as e:
                out.direct.append((f, "unreadable_file", f"the file could not be read: {e.strerror or e}"))
                continue
        p = prev.get(f.rel)
        if sha is not None and p is not None and p.file_code not in RETRIED_CODES and p.sha == sha and p.size == f.size:
            out.reuse[f.rel] = f  # touched, same content
            if bar is not None:
                bar.total -= f.size
            continue
        out.parse.append((f, sha))
    return out


def _moved(f: FileInfo) -> bool:
    """The file at f.path is no longer the one the scan found (size, mtime, inode), or is gone."""
    try:
        st = os.stat(f.path)
    except OSError:
        return True
    return (st.st_size, st.st_mtime_ns, (st.st_dev, st.st_ino)) != (f.size, f.mtime_ns, tuple(f.ident or ()))


def changed_reason(f: FileInfo, sha_before: str) -> str:
    """The quarantine sentence of a file that changed while it was landed: both versions."""
    try:
        size = os.stat(f.path).st_size
        after = f"{size:,} bytes (sha256 {files.sha256_file(f.path)})"
    except OSError as e:
        after = f"no longer readable ({e.strerror or e})"
    return (
        f"the file changed while it was being landed: {f.size:,} bytes (sha256 {sha_before}) when it was "
        f"found, {after} after it was read; none of its rows were landed, the next build reads it again"
    )


def changed_under_landing(
    read: list[tuple[FileInfo, str | None, int]], reuse: dict[str, FileInfo], prev: dict[str, PrevFile]
) -> list[tuple[FileInfo, int | None, str]]:
    """(file, file id of its staged rows or None for kept rows, reason) of each file whose rows
    depend on its content and which changed since the scan: the parsed ones `read` as
    (file, sha256 when it was hashed, file id), and the kept ones in `reuse`."""
    changed = []
    for f, sha, file_id in read:
        if sha is not None and os.path.splitext(f.rel)[1].lower() in SUPPORTED_SUFFIXES and _moved(f):
            changed.append((f, file_id, changed_reason(f, sha)))
    for rel, f in reuse.items():
        if prev[rel].sha is not None and _moved(f):
            changed.append((f, None, changed_reason(f, prev[rel].sha)))
    return changed
