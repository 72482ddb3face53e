"""Raw layer: land the Alpaca-CoT files, one row per input record (or per whole-file failure).

`land(con, raw_root, ...)` scans `raw_root`, parses what is new or changed, reuses the
rows of unchanged files from the previous landing table, and returns a DuckDB relation
on `con` holding the full landing table (see `LANDING_COLUMNS`). dbt materialises it
with `CREATE TABLE ... AS SELECT * FROM <relation>`.

Every input record ends up as exactly one row, either `status = 'landed'` or
`status = 'rejected'` with a `reject_reason_code` from `REASON_CODES`, a sentence in
`reject_reason` and the first 200 characters of the offending text in `excerpt`.
Nothing raises for bad input. `reconcile(raw_root)` counts the units each file should give
(in bounded memory, with the same scan and the parser in count-only mode) so the raw suite can
check `landed + rejected == units in input`.

File formats
------------
* `.json`: a JSON array of records, or a single JSON value (a single object is the
  record at index 0). Arrays are parsed incrementally (bounded memory): each element
  is one unit, elements are delimited structurally (depth-0 commas outside strings), so
  one broken element is rejected on its own and the rest still land. Bytes that are not
  UTF-8 only reject the elements that contain them. An array that is cut off lands every
  complete element and adds one `truncated_file` row at the index where it failed.
  An empty array `[]` gives one `empty_file` row.
* `.jsonl`: one JSON value per line; blank lines are skipped (they keep their place in
  the numbering: `record_index` is the 0-based physical line, `line_number` 1-based).
* anything else: one `unsupported_file_type` row.

Incremental behaviour
---------------------
A file whose `file_size` and `file_mtime_ns` match the previous table is not opened;
its rows are selected from the previous table. If only the mtime changed and the sha256
of the content is the same, the old rows are kept too (with the new mtime). Files that
were `unreadable_file` are always retried; `file_too_large` ones are re-judged against
the current `max_file_bytes`. Changing `max_record_bytes` needs a full refresh
(`previous_table=None`) to re-judge files that did not change.

New files are sha256-hashed first, then parsed; their rows (file attributes included)
are streamed in batches of `BATCH_ROWS` into a zstd Parquet file in a private temporary
directory (removed when the process exits) rather than into a DuckDB TEMP table: DuckDB
keeps temp tables uncompressed in memory (about 870 MB RSS for 1M alpaca-sized rows),
while the Parquet file keeps this process small however big the corpus. The returned
relation reads that file (and the previous table) lazily, without joins.
"""
from __future__ import annotations

import atexit
import codecs
import datetime as _dt
import hashlib
import itertools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:  # landing workers never import DuckDB
    import duckdb

__all__ = ["land", "reconcile", "LANDING_COLUMNS", "REASON_CODES"]

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
]

REASON_CODES = (
    "broken_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "invalid_utf8",
    "record_too_large",
    "truncated_file",
    "unsupported_file_type",
    "empty_file",
    "file_too_large",
    "unreadable_file",
    "not_a_regular_file",
    "symlink_outside_root",
    "non_utf8_file_name",
)

ROOT_COLLECTION = "(root)"
BATCH_ROWS = 20_000
CHUNK_BYTES = 4 << 20
PARSE_WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
PARALLEL_MIN_BYTES = 16 << 20
EXCERPT_CHARS = 200
SUPPORTED_SUFFIXES = (".json", ".jsonl")

_WS = " \t\r\n"
_WS_B = b" \t\r\n"
_BOM = "\ufeff"
_BOM_B = codecs.BOM_UTF8
_NONWS = re.compile(r"[^ \t\r\n]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_STRUCT = re.compile(r'["\[\]{},]')
_IN_STRING = re.compile(r'["\\]')
_FLAT_OBJECT = re.compile(r'\{(?:[^"{}\[\]]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+\}', re.S)


# --------------------------------------------------------------------------- helpers

class _NonStandardConstant(ValueError):
    pass


def _reject_constant(name: str):
    raise _NonStandardConstant(f"non-standard JSON constant {name}")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _decode_stripped(text: str):
    """_DECODER.decode for a text with no JSON whitespace at either end: raw_decode, without
    decode's two whitespace scans per record, and the same error for trailing data."""
    obj, end = _DECODER.raw_decode(text)
    if end != len(text):
        rest = text[end:]
        raise json.JSONDecodeError("Extra data", text, end + len(rest) - len(rest.lstrip(" \t\n\r")))
    return obj


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _excerpt_text(text: str) -> str:
    """First 200 characters of decoded text; bytes kept by surrogateescape are shown as \\xNN."""
    head = text[:EXCERPT_CHARS]
    try:
        return head.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return head.encode("utf-8", "backslashreplace").decode("utf-8")


def _excerpt_bytes(data: bytes) -> str:
    return data[: EXCERPT_CHARS * 4].decode("utf-8", "backslashreplace")[:EXCERPT_CHARS]


def _has_lone_surrogate(value) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            for k, x in v.items():
                if _SURROGATE.search(k):
                    return True
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _lone_surrogate_field(obj) -> Optional[str]:
    """Name of the first top-level key whose key or value holds a lone surrogate (records only)."""
    if not isinstance(obj, dict):
        return "(record)" if _has_lone_surrogate(obj) else None
    for k, v in obj.items():
        if _SURROGATE.search(k) or _has_lone_surrogate(v):
            return k.encode("utf-8", "backslashreplace").decode("utf-8")
    return None


def _check_record(obj):
    """Validate a parsed record.

    Returns ``(instruction, input, output, meta_json)`` for a good record or
    ``(code, reason)`` for a bad one.
    """
    if type(obj) is not dict:
        return "not_an_object", f"the record is a JSON {_json_type(obj)}, not an object"
    ins = obj.get("instruction")
    inp = obj.get("input")
    out = obj.get("output")
    if not (type(ins) is str and type(out) is str and (inp is None or type(inp) is str)):
        for name, value in (("instruction", ins), ("input", inp), ("output", out)):
            if value is None:
                if name == "input":
                    continue
                what = "missing" if name not in obj else "null"
                return "missing_field", f"required field '{name}' is {what}"
            if type(value) is not str:
                return "wrong_type", (f"field '{name}' is a JSON {_json_type(value)}, "
                                      f"expected a string")
        raise AssertionError("unreachable")  # pragma: no cover
    if inp is None:
        inp = ""
    if "meta" in obj:
        try:
            meta = json.dumps(obj["meta"], ensure_ascii=False, separators=(",", ":"))
        except (RecursionError, ValueError) as e:
            return "broken_json", f"field 'meta' cannot be stored as JSON ({type(e).__name__})"
    else:
        meta = None
    return ins, inp, out, meta


# --------------------------------------------------------------------------- staging

_STAGE_SCHEMA = pa.schema([
    ("file_id", pa.int32()),
    ("source_file", pa.string()),
    ("source_collection", pa.string()),
    ("file_sha256", pa.string()),
    ("file_size", pa.int64()),
    ("file_mtime_ns", pa.int64()),
    ("record_index", pa.int64()),
    ("line_number", pa.int64()),
    ("instruction", pa.string()),
    ("input", pa.string()),
    ("output", pa.string()),
    ("meta", pa.string()),
    ("status", pa.string()),
    ("reject_reason_code", pa.string()),
    ("reject_reason", pa.string()),
    ("excerpt", pa.string()),
])

_STAGE_DIRS: list[str] = []


def _cleanup_stage_dirs() -> None:
    for d in _STAGE_DIRS:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup_stage_dirs)

TMP_DIR_NAME = ".sftmart-tmp"  # beside the warehouse file: the project's own temporary folder


def _tmp_root(con) -> Path:
    """`.sftmart-tmp` beside the DuckDB file `con` writes to (for an in-memory database,
    beside sftmart.paths.warehouse_path())."""
    try:
        rows = con.execute("select path from duckdb_databases() "
                           "where database_name = current_database()").fetchall()
    except Exception:  # noqa: BLE001 - any connection that cannot say falls back below
        rows = []
    row = rows[0] if rows else None
    if row and row[0]:
        return Path(row[0]).resolve().parent / TMP_DIR_NAME
    from sftmart.paths import warehouse_path

    return warehouse_path().resolve().parent / TMP_DIR_NAME


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _make_stage_dir(root: Path) -> str:
    """A fresh `landing-<pid>-*` folder under `root`, after removing the folders left there by
    landings whose process is gone (killed: atexit never ran)."""
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("landing-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    stage_dir = tempfile.mkdtemp(prefix=f"landing-{os.getpid()}-", dir=root)
    _STAGE_DIRS.append(stage_dir)
    return stage_dir


def _safe_str_array(values, typ):
    try:
        return pa.array(values, type=typ)
    except (UnicodeError, pa.ArrowException):
        fixed = [v if not isinstance(v, str)
                 else v.encode("utf-8", "backslashreplace").decode("utf-8") for v in values]
        return pa.array(fixed, type=typ)


class _Sink:
    """Collects staged rows and streams them into a Parquet file, BATCH_ROWS at a time.

    Each row starts with its file's context tuple
    `(file_id, source_file, source_collection, file_sha256, file_size, file_mtime_ns)`,
    so the landing relation needs no join (a join makes DuckDB's CREATE TABLE AS use
    about twice the memory).
    """

    def __init__(self, path: str, batch_rows: int = BATCH_ROWS):
        self.path = path
        self.batch_rows = batch_rows
        self.rows: list[tuple] = []
        self.writer: Optional[pq.ParquetWriter] = None
        self.count = 0

    def landed(self, ctx, index, line, ins, inp, out, meta):
        rows = self.rows
        rows.append((ctx, index, line, ins, inp, out, meta, "landed", None, None, None))
        if len(rows) >= self.batch_rows:
            self.flush()

    def reject(self, ctx, index, line, code, reason, excerpt):
        assert code in REASON_CODES, code
        self.rows.append((ctx, index, line, None, None, None, None, "rejected", code, reason,
                          excerpt))
        if len(self.rows) >= self.batch_rows:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = list(zip(*self.rows))
        self.rows = []
        columns = list(zip(*columns[0])) + columns[1:]
        arrays = [_safe_str_array(col, field.type) if field.type == pa.string()
                  else pa.array(col, type=field.type)
                  for col, field in zip(columns, _STAGE_SCHEMA)]
        batch = pa.RecordBatch.from_arrays(arrays, schema=_STAGE_SCHEMA)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, _STAGE_SCHEMA, compression="zstd",
                                           compression_level=1)
        self.writer.write_batch(batch)
        self.count += batch.num_rows

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()


# --------------------------------------------------------------------------- reading

class _Progress:
    """Thin wrapper so parsing code can report bytes whether or not tqdm is shown."""

    def __init__(self, bar=None):
        self.bar = bar

    def update(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)


class _TextWindow:
    """A window of decoded text over a binary file.

    Decodes UTF-8 with surrogateescape (invalid bytes become U+DC80..U+DCFF, so they can be
    found and shown later) and maps text positions back to file byte offsets.
    """

    def __init__(self, fh, progress: _Progress, chunk: Optional[int] = None):
        self.fh = fh
        self.progress = progress
        self.chunk = chunk or CHUNK_BYTES
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self.buf = ""
        self.base = 0          # file byte offset of buf[0]
        self.eof = False
        self._cache = (0, 0)   # (text position, byte offset) of a known point in buf
        self.has_bad_bytes = False  # buf holds surrogateescape'd bytes: check each element
        self.has_surrogate_escapes = False  # buf holds '\ud800'-style escapes

    def more(self, keep_from: int) -> int:
        """Drop buf[:keep_from] and append the next chunk; returns the shift (keep_from)."""
        if keep_from:
            self.base = self.offset(keep_from)
            self.buf = self.buf[keep_from:]
            self._cache = (0, self.base)
        if self.eof:
            return keep_from
        data = self.fh.read(self.chunk)
        if data:
            self.progress.update(len(data))
            self.buf += self.decoder.decode(data)
        else:
            self.buf += self.decoder.decode(b"", final=True)
            self.eof = True
        self.has_bad_bytes = _SURROGATE.search(self.buf) is not None
        self.has_surrogate_escapes = _SURROGATE_ESCAPE.search(self.buf) is not None
        return keep_from

    def offset(self, pos: int) -> int:
        cpos, cbytes = self._cache
        if pos < cpos:
            cpos, cbytes = 0, self.base
        cbytes += len(self.buf[cpos:pos].encode("utf-8", "surrogateescape"))
        self._cache = (pos, cbytes)
        return cbytes

    def skip_ws(self, pos: int) -> Optional[int]:
        """Position of the next non-whitespace character (reading on; drops the text before it)."""
        while True:
            m = _NONWS.search(self.buf, pos)
            if m is not None:
                return m.start()
            if self.eof:
                return None
            pos = len(self.buf)
            pos -= self.more(pos)

    def drain(self) -> None:
        """Skip the rest of the file."""
        here = self.fh.tell()
        end = self.fh.seek(0, os.SEEK_END)
        self.progress.update(end - here)
        self.eof = True


def _scan(buf: str, pos: int, state: list):
    """Structural scan for the end of an array element.

    Starting at `pos` with `state = [depth, in_string, escaped]`, find the first ',' or ']'
    at depth 0 outside strings. Returns its position, or -1 after consuming the whole
    buffer (state is then updated so the scan can resume on the next chunk).
    Braces/brackets nest; a stray '}' at depth 0 is ignored.
    """
    depth, in_str, esc = state
    n = len(buf)
    while pos < n:
        if in_str:
            if esc:
                esc = False
                pos += 1
                continue
            m = _IN_STRING.search(buf, pos)
            if m is None:
                pos = n
                break
            pos = m.end()
            if m.group() == "\\":
                esc = True
            else:
                in_str = False
        else:
            m = _STRUCT.search(buf, pos)
            if m is None:
                pos = n
                break
            c = m.group()
            pos = m.end()
            if c == '"':
                in_str = True
            elif c == "{" or c == "[":
                depth += 1
            elif c == "}" or c == "]":
                if depth:
                    depth -= 1
                elif c == "]":
                    return m.start()
            elif depth == 0:  # ','
                return m.start()
    state[0], state[1], state[2] = depth, in_str, esc
    return -1


class _JsonFileParser:
    """Parses one `.json` file into sink rows."""

    def __init__(self, win: _TextWindow, sink: _Sink, ctx: tuple, max_record_bytes: int,
                 count_only: bool = False):
        self.win = win
        self.sink = sink
        self.ctx = ctx
        self.limit = max_record_bytes
        self.in_array = False
        self.count_only = count_only  # reconcile: find the units, decode none of them

    # -- one unit -------------------------------------------------------------
    def _reject(self, index, code, reason, excerpt):
        self.sink.reject(self.ctx, index, None, code, reason, excerpt)

    def _what(self, index) -> str:
        return f"element {index}" if self.in_array else "the file's single JSON value"

    def _too_large(self, index, nbytes, offset, excerpt):
        self._reject(index, "record_too_large",
                     f"{self._what(index)} starting at byte offset {offset} is {nbytes:,} bytes "
                     f"of JSON text, "
                     f"over the limit of {self.limit:,} bytes (max_record_bytes)", excerpt)

    def _nbytes(self, start: int, end: int) -> int:
        chars = end - start
        if chars * 4 <= self.limit or chars > self.limit:
            return chars  # decisive without encoding (UTF-8 is 1..4 bytes per character)
        return len(self.win.buf[start:end].encode("utf-8", "surrogateescape"))

    def _unit(self, index: int, start: int, end: int, obj=None, parsed: bool = False) -> None:
        """Judge the element text buf[start:end] (already stripped); obj if already parsed."""
        if self.count_only:
            self.sink.landed()
            return
        win = self.win
        buf = win.buf
        nbytes = self._nbytes(start, end)
        if nbytes > self.limit:
            if nbytes == end - start:
                nbytes = len(buf[start:end].encode("utf-8", "surrogateescape"))
            self._too_large(index, nbytes, win.offset(start), _excerpt_text(buf[start:end]))
            return
        bad = _SURROGATE.search(buf, start, end) if win.has_bad_bytes else None
        if bad is not None:
            byte = ord(bad.group()) - 0xDC00
            self._reject(index, "invalid_utf8",
                         f"{self._what(index)} contains bytes that are not valid UTF-8 "
                         f"(first: 0x{byte:02x} at byte offset {win.offset(bad.start())})",
                         _excerpt_text(buf[start:end]))
            return
        if not parsed:
            try:
                obj = _DECODER.decode(buf[start:end])
            except json.JSONDecodeError as e:
                self._reject(index, "broken_json",
                             f"{self._what(index)} is not valid JSON: {e.msg} at byte offset "
                             f"{win.offset(start + e.pos)}", _excerpt_text(buf[start:end]))
                return
            except RecursionError:
                self._reject(index, "broken_json",
                             f"{self._what(index)} starting at byte offset {win.offset(start)} "
                             f"is nested too deeply to parse", _excerpt_text(buf[start:end]))
                return
            except ValueError as e:  # NaN / Infinity
                self._reject(index, "broken_json",
                             f"{self._what(index)} starting at byte offset {win.offset(start)} "
                             f"is not valid JSON: {e}", _excerpt_text(buf[start:end]))
                return
        if win.has_surrogate_escapes and _SURROGATE_ESCAPE.search(buf, start, end):
            field = _lone_surrogate_field(obj)
            if field is not None:
                self._reject(index, "invalid_utf8",
                             f"{self._what(index)} (byte offset {win.offset(start)}) has a lone "
                             f"UTF-16 surrogate escape (\\ud800-style) in '{field}', which is "
                             f"not valid Unicode", _excerpt_text(buf[start:end]))
                return
        res = _check_record(obj)
        if len(res) == 2:
            code, reason = res
            self._reject(index, code,
                         f"{self._what(index)} (byte offset {win.offset(start)}): {reason}",
                         _excerpt_text(buf[start:end]))
            return
        self.sink.landed(self.ctx, index, None, *res)

    # -- whole file -----------------------------------------------------------
    def run(self) -> None:
        win = self.win
        while not win.buf and not win.eof:
            win.more(0)
        pos = 1 if win.buf.startswith(_BOM) else 0
        pos = win.skip_ws(pos)
        if pos is None:
            self._file_reject("empty_file", "the file is empty or holds only whitespace", "")
            return
        if win.buf[pos] == "[":
            self._array(pos + 1)
        elif self.count_only:
            self.sink.landed()  # a single value is one unit, whatever it holds
        else:
            self._single(pos)

    def _file_reject(self, code, reason, excerpt):
        self.sink.reject(self.ctx, None, None, code, reason, excerpt)

    def _single(self, pos: int) -> None:
        """A file holding one JSON value: the record at index 0."""
        win = self.win
        while not win.eof:
            if len(win.buf) - pos > max(self.limit, EXCERPT_CHARS):
                offset = win.offset(pos)
                excerpt = _excerpt_text(win.buf[pos:])
                win.drain()
                self._reject(0, "record_too_large",
                             f"the file holds a single JSON value (byte offset {offset}) of more "
                             f"than {self.limit:,} bytes (max_record_bytes)", excerpt)
                return
            pos -= win.more(pos)
        end = len(win.buf.rstrip(_WS))
        self._unit(0, pos, end)

    def _array(self, pos: int) -> None:
        win = self.win
        self.in_array = True
        index = 0
        closed = False
        pos = win.skip_ws(pos)
        if pos is None:
            self._reject(0, "truncated_file",
                         "the file ends right after the opening '[' of the array", "[")
            return
        if win.buf[pos] == "]":
            closed = True
            pos += 1
        while not closed:
            if pos is None:
                self._reject(index, "truncated_file",
                             f"the file ends after element {index - 1} and a ',' without "
                             f"closing the array with ']'", "")
                return
            buf = win.buf
            c = buf[pos]
            if c == "," or c == "]":
                self._reject(index, "broken_json",
                             f"element {index} is empty (nothing before the ',' or ']' at byte "
                             f"offset {win.offset(pos)})", c)
                index += 1
                if c == "]":
                    closed = True
                    pos += 1
                    break
                pos = win.skip_ws(pos + 1)
                continue
            start = pos
            # Fast path: the element parses and is followed by ',' or ']' inside the window.
            # (Counting: an object with nothing nested, matched by one regex, stands for it.)
            end, obj = -1, None
            if self.count_only:
                flat = _FLAT_OBJECT.match(buf, start)
                end = flat.end() if flat is not None else -1
            else:
                try:
                    obj, end = _DECODER.raw_decode(buf, start)
                except (ValueError, RecursionError):
                    pass
            if end >= 0:
                m = _NONWS.search(buf, end)
                if m is not None and buf[m.start()] in ",]":
                    self._unit(index, start, end, obj, parsed=True)
                    index += 1
                    if buf[m.start()] == "]":
                        closed = True
                        pos = m.end()
                        break
                    pos = win.skip_ws(m.end())
                    continue
            # Slow path: find the element's end structurally, reading on as needed.
            state = [0, False, False]
            q = start
            too_large = None  # (byte offset, excerpt) once the element is known to be too big
            while True:
                term = _scan(win.buf, q, state)
                if term >= 0 or win.eof:
                    break
                q = len(win.buf)
                if too_large is None and q - start > max(self.limit, EXCERPT_CHARS):
                    too_large = (win.offset(start), _excerpt_text(win.buf[start:]))
                # Once too large, keep only the trailing whitespace (to measure the size).
                keep = len(win.buf[:q].rstrip(_WS)) if too_large is not None else start
                shift = win.more(keep)
                q -= shift
                start -= shift
            buf = win.buf
            if term < 0:
                # End of file inside the element: the array was cut off.
                balanced = state[0] == 0 and not state[1]
                if balanced:
                    if too_large is not None:
                        end = len(buf.rstrip(_WS))
                        self._too_large(index, win.offset(end) - too_large[0], *too_large)
                    else:
                        self._unit(index, start, len(buf.rstrip(_WS)))
                    index += 1
                    where = f"after its last element ({index - 1})"
                else:
                    where = f"in the middle of element {index}"
                self._reject(index, "truncated_file",
                             f"the file ends {where} without closing the array with ']' "
                             f"(at byte offset {win.offset(len(buf))}); the complete elements "
                             f"before it were landed",
                             "" if balanced else too_large[1] if too_large is not None
                             else _excerpt_text(buf[start:]))
                return
            if too_large is not None:
                end = len(buf[:term].rstrip(_WS))
                self._too_large(index, win.offset(end) - too_large[0], *too_large)
            else:
                end = start + len(buf[start:term].rstrip(_WS))
                self._unit(index, start, end)
            index += 1
            if buf[term] == "]":
                closed = True
                pos = term + 1
                break
            pos = win.skip_ws(term + 1)
        # After the closing ']': only whitespace may follow.
        pos = win.skip_ws(pos)
        if pos is not None:
            while len(win.buf) - pos < EXCERPT_CHARS and not win.eof:
                pos -= win.more(pos)
            self._reject(index, "broken_json",
                         f"unexpected data after the closing ']' of the array at byte offset "
                         f"{win.offset(pos)}", _excerpt_text(win.buf[pos:]))
            win.drain()
            index += 1
        if index == 0:
            self._file_reject("empty_file", "the file holds an empty JSON array: no records", "[]")


def _parse_jsonl(fh, sink: _Sink, ctx: tuple, max_record_bytes: int, progress: _Progress):
    limit = max_record_bytes
    readline = fh.readline
    offset = 0
    lineno = 0
    units = 0
    pending = 0
    bom = _BOM_B
    while True:
        raw = readline(limit + 3)
        if not raw:
            break
        length = len(raw)
        cut = length == limit + 3 and not raw.endswith(b"\n")
        if lineno == 0 and raw.startswith(bom):
            raw = raw[3:]
            offset += 3
            length -= 3
        lead = length - len(raw.lstrip(_WS_B))
        stripped = raw.strip(_WS_B)
        if cut:
            while True:  # skip the rest of this overlong line (is any of it not whitespace?)
                more = readline(1 << 20)
                if not more:
                    break
                length += len(more)
                if not stripped and more.strip(_WS_B):
                    stripped = more.strip(_WS_B)[:EXCERPT_CHARS * 4]
                if more.endswith(b"\n"):
                    break
        line_start = offset
        offset += length
        pending += length
        if pending >= 1 << 20:
            progress.update(pending)
            pending = 0
        index = lineno
        lineno += 1
        if not stripped:
            continue
        units += 1
        if cut or len(stripped) > limit:
            size = (f"is {length:,} bytes long" if cut
                    else f"holds {len(stripped):,} bytes of JSON text")
            sink.reject(ctx, index, lineno, "record_too_large",
                        f"line {lineno} (byte offset {line_start}) {size}, over the limit of "
                        f"{limit:,} bytes (max_record_bytes)", _excerpt_bytes(stripped))
            continue
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as e:
            sink.reject(ctx, index, lineno, "invalid_utf8",
                        f"line {lineno} contains bytes that are not valid UTF-8 (first: "
                        f"0x{stripped[e.start]:02x} at byte offset {line_start + lead + e.start})",
                        _excerpt_bytes(stripped))
            continue
        try:
            obj = _decode_stripped(text)
        except json.JSONDecodeError as e:
            sink.reject(ctx, index, lineno, "broken_json",
                        f"line {lineno} is not valid JSON: {e.msg} at column {e.pos + lead + 1} "
                        f"(byte offset {line_start + lead + len(text[:e.pos].encode())})",
                        _excerpt_text(text))
            continue
        except RecursionError:
            sink.reject(ctx, index, lineno, "broken_json",
                        f"line {lineno} is nested too deeply to parse", _excerpt_text(text))
            continue
        except ValueError as e:
            sink.reject(ctx, index, lineno, "broken_json",
                        f"line {lineno} is not valid JSON: {e}", _excerpt_text(text))
            continue
        if "\\u" in text and _SURROGATE_ESCAPE.search(text):
            field = _lone_surrogate_field(obj)
            if field is not None:
                sink.reject(ctx, index, lineno, "invalid_utf8",
                            f"line {lineno} has a lone UTF-16 surrogate escape (\\ud800-style) "
                            f"in '{field}', which is not valid Unicode", _excerpt_text(text))
                continue
        res = _check_record(obj)
        if len(res) == 2:
            sink.reject(ctx, index, lineno, res[0], f"line {lineno}: {res[1]}", _excerpt_text(text))
            continue
        sink.landed(ctx, index, lineno, *res)
    progress.update(pending)
    if units == 0:
        sink.reject(ctx, None, None, "empty_file",
                    "the file is empty or holds only blank lines", "")


class _NotRegular(OSError):
    """The path is (no longer) the regular file the scan found."""


def _open_regular(path, ident=None, buffering: int = -1):
    """Open a file for reading only if it is a regular file (and, given `ident` = (st_dev,
    st_ino) from the scan, the same file the scan saw). O_NONBLOCK: opening a FIFO that took
    the file's place returns at once instead of waiting for a writer; it is then refused."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _NotRegular(f"it is no longer a regular file ({_file_kind(st.st_mode)})")
        if ident is not None and (st.st_dev, st.st_ino) != tuple(ident):
            raise _NotRegular("it was replaced by another file while it was being landed")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def _sha256_file(path, progress: Optional[_Progress] = None, ident=None) -> str:
    sha = hashlib.sha256()
    with _open_regular(path, ident) as fh:
        while True:
            data = fh.read(CHUNK_BYTES)
            if not data:
                break
            sha.update(data)
            if progress is not None:
                progress.update(len(data))
    return sha.hexdigest()


def _reject_too_large_file(sink: _Sink, ctx, size: int, max_file_bytes: int) -> None:
    sink.reject(ctx, None, None, "file_too_large",
                f"the file is {size:,} bytes, over the limit of {max_file_bytes:,} bytes "
                f"(max_file_bytes); it was not read", None)


def _parse_file(path, size: int, ctx, sink: _Sink, max_record_bytes: int,
                max_file_bytes: int, progress: _Progress, ident=None) -> None:
    """Parse one file into `sink` rows carrying the file context `ctx`.

    Raises OSError when the file cannot be read (the caller turns it into a reject).
    """
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in SUPPORTED_SUFFIXES:
        head = b""
        if size <= max_file_bytes:
            with _open_regular(path, ident) as fh:
                head = fh.read(EXCERPT_CHARS * 4)
        sink.reject(ctx, None, None, "unsupported_file_type",
                    f"files ending in '{suffix or '(no extension)'}' are not landed; "
                    f"only .json (array or object) and .jsonl are supported", _excerpt_bytes(head))
        if size <= max_file_bytes:
            progress.update(size)
        return
    if size > max_file_bytes:
        _reject_too_large_file(sink, ctx, size, max_file_bytes)
        return
    with _open_regular(path, ident, buffering=1 << 20) as fh:
        if suffix == ".jsonl":
            _parse_jsonl(fh, sink, ctx, max_record_bytes, progress)
        else:
            _JsonFileParser(_TextWindow(fh, progress), sink, ctx, max_record_bytes).run()


@dataclass
class _Stage:
    path: str
    rows: int
    failures: list  # (ctx, reason) of files that failed part-way: their staged rows are dropped


def _parse_group(jobs: list, stage_path: str, max_record_bytes: int, max_file_bytes: int,
                 progress: Optional[_Progress] = None) -> _Stage:
    """Parse files [(path, size, ctx)] into one Parquet stage."""
    progress = progress or _Progress()
    sink = _Sink(stage_path)
    failures = []
    try:
        for path, size, ctx, ident in jobs:
            try:
                _parse_file(path, size, ctx, sink, max_record_bytes, max_file_bytes, progress, ident)
            except Exception as e:
                # OSError: unreadable. Anything else is a bug, which must neither stop the run
                # nor lose the file silently. Either way the rows staged so far go.
                if isinstance(e, OSError):
                    reason = f"the file could not be read: {e.strerror or e}"
                else:
                    reason = (f"the landing code failed on this file ({type(e).__name__}: "
                              f"{e}); nothing from it was landed")
                failures.append((ctx, reason))
    finally:
        sink.close()
    return _Stage(stage_path, sink.count, failures)


def _balanced_groups(jobs: list, n_groups: int) -> list[list]:
    """Files split into n_groups of about equal bytes (largest first), each kept in path order."""
    groups: list[list] = [[] for _ in range(n_groups)]
    loads = [0] * n_groups
    for job in sorted(jobs, key=lambda j: -j[1]):
        lightest = loads.index(min(loads))
        groups[lightest].append(job)
        loads[lightest] += job[1]
    return [sorted(group, key=lambda j: j[2][1]) for group in groups if group]


def _follow_workers(children: list, progress: _Progress) -> list[tuple[Optional[dict], int]]:
    """Reads the workers' stdout as it comes: 'progress <bytes>' lines move the bar, a final
    'result <json>' line is the worker's answer. Returns (result or None, bytes reported) each."""
    import selectors

    selector = selectors.DefaultSelector()
    buffers, results, reported = {}, [None] * len(children), [0] * len(children)
    for k, child in enumerate(children):
        selector.register(child.stdout, selectors.EVENT_READ, k)
        buffers[k] = b""
    while selector.get_map():
        for key, _ in selector.select():
            k = key.data
            chunk = os.read(key.fileobj.fileno(), 1 << 16)  # raw reads: no buffering hidden from select
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            *lines, buffers[k] = (buffers[k] + chunk).split(b"\n")
            for line in lines:
                if line.startswith(b"progress "):
                    done = int(line.split()[1])
                    reported[k] += done
                    progress.update(done)
                elif line.startswith(b"result "):
                    results[k] = json.loads(line[len(b"result "):])
    return list(zip(results, reported))


class _LineProgress(_Progress):
    """A landing worker's progress: 'progress <bytes>' lines on stdout, about every megabyte."""

    def __init__(self):
        super().__init__()
        self.pending = 0

    def update(self, n: int) -> None:
        self.pending += n
        if self.pending >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            print(f"progress {self.pending}", flush=True)
            self.pending = 0


def _parse_all(jobs: list, stage_dir: str, max_record_bytes: int, max_file_bytes: int,
               progress: _Progress) -> list[_Stage]:
    """Parse every file; in PARSE_WORKERS processes when there is enough to share (JSON parsing
    holds the GIL, and a worker costs ~0.3 s to start)."""
    workers = min(PARSE_WORKERS, len(jobs))
    if workers < 2 or sum(job[1] for job in jobs) < PARALLEL_MIN_BYTES:
        return [_parse_group(jobs, os.path.join(stage_dir, "rows-0.parquet"), max_record_bytes,
                             max_file_bytes, progress)]
    groups = _balanced_groups(jobs, workers)
    # Plain child processes rather than multiprocessing: under dbt, spawn would first re-import
    # dbt's entry module in every worker, and fork does not survive DuckDB's threads.
    stage_paths = [os.path.join(stage_dir, f"rows-{k}.parquet") for k in range(len(groups))]
    children = []
    for group, stage_path in zip(groups, stage_paths):
        task = {"jobs": group, "stage_path": stage_path,
                "max_record_bytes": max_record_bytes, "max_file_bytes": max_file_bytes}
        child = subprocess.Popen([sys.executable, "-m", "sftmart.landing"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE)
        try:
            child.stdin.write(json.dumps(task).encode())
            child.stdin.close()
        except BrokenPipeError:
            pass  # it died on start; its group is parsed here below
        children.append(child)
    stages = []
    for child, group, stage_path, (result, reported) in zip(children, groups, stage_paths,
                                                             _follow_workers(children, progress)):
        if child.wait() != 0 or result is None:  # the worker died: parse its group here instead
            stages.append(_parse_group(group, stage_path, max_record_bytes, max_file_bytes))
            progress.update(sum(min(job[1], max_file_bytes) for job in group) - reported)
        else:
            stages.append(_Stage(stage_path, result["rows"],
                                 [(tuple(ctx), reason) for ctx, reason in result["failures"]]))
    return sorted(stages, key=lambda stage: stage.path)


# --------------------------------------------------------------------------- land

@dataclass
class _FileInfo:
    rel: str                 # path under raw_root, '/'-separated; non-UTF-8 bytes shown as \\xNN
    path: str                # the path to open
    collection: str
    size: Optional[int]
    mtime_ns: Optional[int]
    error: Optional[str] = None          # stat failed: unreadable_file
    code: Optional[str] = None           # quarantined by the scan itself (never opened) ...
    reason: Optional[str] = None         # ... and why
    ident: Optional[tuple] = None        # (st_dev, st_ino): open() checks it is the same file


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _file_kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _display_name(rel: str) -> str:
    """A path from os.walk as valid UTF-8 text: bytes that are not UTF-8 (kept by Python as
    surrogate escapes) are shown as \\xNN, so the name can be stored and printed safely."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


def _judge(full: str, rel: str, real_root: str, follow_external_symlinks: bool,
           is_dir_link: bool = False) -> Optional[_FileInfo]:
    """What the scan knows about one entry, without opening it (None: skip a folder link that
    stays inside raw_root; its files are landed under their own paths)."""
    shown = _display_name(rel)
    parts = shown.split("/")
    info = _FileInfo(shown, full, parts[0] if len(parts) > 1 else ROOT_COLLECTION, None, None)
    if shown != rel:
        info.code, info.reason = "non_utf8_file_name", (
            f"the file name is not valid UTF-8 (shown with \\xNN for the bytes that are not): "
            f"'{shown}'; the file was not read")
        return info
    try:
        lst = os.lstat(full)
        link = stat.S_ISLNK(lst.st_mode)
        outside = link and not _inside(os.path.realpath(full), real_root)
        st = os.stat(full) if link else lst
    except OSError as e:
        info.error = e.strerror or str(e)
        return info
    if is_dir_link:
        if not outside:
            return None
        info.code, info.reason = "symlink_outside_root", (
            "a symbolic link to a folder outside raw_root; it was not walked (links to folders "
            "are never followed)")
    elif not stat.S_ISREG(st.st_mode):
        info.code, info.reason = "not_a_regular_file", (
            f"{'a symbolic link to ' if link else ''}{_file_kind(st.st_mode)}, not a regular "
            f"file; it was not opened")
    elif outside and not follow_external_symlinks:
        info.code, info.reason = "symlink_outside_root", (
            "a symbolic link to a file outside raw_root; it was not read (the var "
            "follow_external_symlinks allows it)")
    else:
        info.size, info.mtime_ns, info.ident = st.st_size, st.st_mtime_ns, (st.st_dev, st.st_ino)
    return info


def _scan_tree(root: Path, follow_external_symlinks: bool = False) -> list[_FileInfo]:
    """Every non-hidden entry under `root`, sorted by path. Only regular files get a size (and
    are read later); FIFOs, devices, sockets, links leaving the root (unless followed) and
    non-UTF-8 names come back with a quarantine code, a folder that cannot be listed with an
    error. Links to folders are never walked."""
    real_root = os.path.realpath(root)
    found: list[_FileInfo] = []

    def unlistable(e: OSError) -> None:
        rel = os.path.relpath(e.filename, root).replace(os.sep, "/")
        info = _judge(e.filename, rel, real_root, follow_external_symlinks) if rel != "." else None
        if info is not None:
            info.code, info.error = None, f"the folder could not be listed: {e.strerror or e}"
            found.append(info)

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable):
        names = [(n, False) for n in filenames if not n.startswith(".")]
        names += [(n, True) for n in dirnames
                  if not n.startswith(".") and os.path.islink(os.path.join(dirpath, n))]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name, is_dir_link in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            info = _judge(full, rel, real_root, follow_external_symlinks, is_dir_link)
            if info is not None:
                found.append(info)
    seen: set[str] = set()
    for info in sorted(found, key=lambda f: f.code != "non_utf8_file_name"):
        while info.rel in seen:  # a shown name equal to a real one ('a\\xff' is a valid name)
            info.rel += "~"
        seen.add(info.rel)
    found.sort(key=lambda f: f.rel)
    return found


@dataclass
class _PrevFile:
    size: Optional[int]
    mtime_ns: Optional[int]
    sha: Optional[str]
    file_code: Optional[str]  # reason code of a whole-file reject, if that is what it was


def _split_name(name: str) -> list[str]:
    return [p.strip().strip('"') for p in name.split(".")]


def _previous_state(con, previous_table: Optional[str]) -> Optional[dict[str, _PrevFile]]:
    if not previous_table:
        return None
    parts = _split_name(previous_table)
    if not 1 <= len(parts) <= 3:
        warnings.warn(f"previous_table {previous_table!r}: cannot parse the name; ignoring it")
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
    cols = con.execute(
        f"select column_name from duckdb_columns() where {where}", params).fetchall()
    if not cols:
        return None  # first run: the table does not exist yet
    have = {c[0] for c in cols}
    missing = [name for name, _ in LANDING_COLUMNS if name not in have]
    if missing:
        warnings.warn(f"previous_table {previous_table!r} lacks columns {missing}; "
                      f"landing everything from scratch")
        return None
    rows = con.execute(
        f"select source_file, any_value(file_size), any_value(file_mtime_ns), "
        f"any_value(file_sha256), "
        f"any_value(reject_reason_code) filter (where record_index is null) "
        f"from {previous_table} group by source_file").fetchall()
    return {r[0]: _PrevFile(r[1], r[2], r[3], r[4]) for r in rows}


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _empty_select() -> str:
    cols = ", ".join(f"cast(null as {typ}) as {name}" for name, typ in LANDING_COLUMNS)
    return f"select {cols} limit 0"


def land(con: duckdb.DuckDBPyConnection, raw_root, previous_table: Optional[str] = None,
         max_record_bytes: int = 1_000_000, max_file_bytes: int = 2_000_000_000,
         show_progress: bool = False,
         follow_external_symlinks: bool = False) -> duckdb.DuckDBPyRelation:
    """Land every file under `raw_root`; return the full landing table as a relation on `con`.

    Unchanged files (same size and mtime as in `previous_table`, or same sha256) are not
    parsed: their rows come from `previous_table`, `loaded_at` included. Raises only for
    a `raw_root` that is not a directory (an empty landing would wipe the table).
    """
    root = Path(raw_root)
    if not root.is_dir():
        raise FileNotFoundError(f"raw_root {str(root)!r} is not a directory")
    files = _scan_tree(root, follow_external_symlinks)
    prev = _previous_state(con, previous_table) or {}
    loaded_at = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)

    bar = None
    if show_progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, desc="landing",
                   dynamic_ncols=True)
    progress = _Progress(bar)

    # 1. Decide per file: reuse the previous rows, or parse (after hashing it).
    reuse: dict[str, _FileInfo] = {}      # rel -> file whose previous rows are kept
    to_hash: list[_FileInfo] = []
    direct: list[tuple[_FileInfo, str, str]] = []  # whole-file rejects decided without reading
    for f in files:
        p = prev.get(f.rel)
        supported = os.path.splitext(f.rel)[1].lower() in SUPPORTED_SUFFIXES
        if f.code is not None:
            direct.append((f, f.code, f.reason))
        elif f.error is not None:
            direct.append((f, "unreadable_file", f.error if f.error.startswith("the folder")
                           else f"the file could not be read: {f.error}"))
        elif p is not None and p.file_code == "file_too_large":
            if p.size == f.size and f.size > max_file_bytes:
                reuse[f.rel] = f  # never read; still too large
            else:
                to_hash.append(f)
        elif (p is not None and p.file_code != "unreadable_file"
              and p.size == f.size and p.mtime_ns == f.mtime_ns):
            reuse[f.rel] = f
        elif f.size > max_file_bytes:
            if supported:
                direct.append((f, "file_too_large", ""))
            else:
                to_hash.append(f)  # _parse_file rejects it without reading
        else:
            to_hash.append(f)
    if bar is not None:
        bar.total = 2 * sum(f.size for f in to_hash if f.size <= max_file_bytes)
        bar.refresh()

    ids = itertools.count(1)
    to_parse: list[tuple[_FileInfo, tuple]] = []
    for f in to_hash:
        sha = None
        if f.size <= max_file_bytes:
            try:
                sha = _sha256_file(f.path, progress, f.ident)
            except OSError as e:
                direct.append((f, "unreadable_file",
                               f"the file could not be read: {e.strerror or e}"))
                continue
        p = prev.get(f.rel)
        if (sha is not None and p is not None and p.file_code != "unreadable_file"
                and p.sha == sha and p.size == f.size):
            reuse[f.rel] = f  # touched, same content
            if bar is not None:
                bar.total -= f.size
            continue
        to_parse.append((f, (next(ids), f.rel, f.collection, sha, f.size, f.mtime_ns)))

    # 2. Parse what is new or changed into Parquet stages (in worker processes when it pays).
    stage_dir = _make_stage_dir(_tmp_root(con))
    sink = _Sink(os.path.join(stage_dir, "file_rejects.parquet"))
    for f, code, reason in direct:
        ctx = (next(ids), f.rel, f.collection, None, f.size, f.mtime_ns)
        if code == "file_too_large":
            _reject_too_large_file(sink, ctx, f.size, max_file_bytes)
        else:
            sink.reject(ctx, None, None, code, reason, None)
    jobs = [(f.path, f.size, ctx, f.ident) for f, ctx in sorted(to_parse, key=lambda t: t[0].rel)]
    try:
        stages = _parse_all(jobs, stage_dir, max_record_bytes, max_file_bytes, progress)
    finally:
        if bar is not None:
            bar.close()
    dropped: list[int] = []  # file ids whose partly staged rows must be left out
    for stage in stages:
        dropped += [ctx[0] for ctx, _ in stage.failures]
        for ctx, reason in stage.failures:
            sink.reject((next(ids),) + ctx[1:], None, None, "unreadable_file", reason, None)
    sink.close()
    stage_paths = [stage.path for stage in stages if stage.rows] + ([sink.path] if sink.count else [])

    # 3. The landing table: kept rows of the previous table + the staged rows.
    parts = []
    if reuse:
        parts.append(_reused_rows_sql(con, previous_table, prev, reuse))
    if stage_paths:
        ts = loaded_at.strftime("%Y-%m-%d %H:%M:%S.%f")
        where = (f"where n.file_id not in ({', '.join(map(str, dropped))})" if dropped else "")
        parts.append(f"""
            select left(md5(n.source_file || ':' || coalesce(cast(n.record_index as varchar), '')), 16),
                   n.source_collection, n.source_file, n.record_index, n.line_number,
                   n.instruction, n.input, n.output, n.meta,
                   case when n.status = 'landed'
                        then md5(n.instruction || chr(31) || n.input || chr(31) || n.output) end,
                   n.file_sha256, n.file_size, n.file_mtime_ns, TIMESTAMP '{ts}', n.status,
                   n.reject_reason_code, n.reject_reason, n.excerpt
            from read_parquet([{', '.join(map(_sql_str, stage_paths))}]) n {where}""")
    if not parts:
        return con.sql(_empty_select())
    return con.sql(" union all ".join(_cast_columns(part) for part in parts))


_CASE_LIMIT = 256  # more changed mtimes than this: a join instead of a CASE


def _cast_columns(select_sql: str) -> str:
    names = ", ".join(f"c{i}" for i in range(len(LANDING_COLUMNS)))
    casts = ", ".join(f"cast(c{i} as {typ}) as {name}"
                      for i, (name, typ) in enumerate(LANDING_COLUMNS))
    return f"select {casts} from ({select_sql}) as t({names})"


def _reused_rows_sql(con, previous_table: str, prev: dict, reuse: dict) -> str:
    """Rows of the previous table for the kept files, with their current size and mtime."""
    dropped = [rel for rel in prev if rel not in reuse]
    if not dropped:
        where = ""
    elif len(dropped) <= len(reuse):
        where = f"where p.source_file not in ({', '.join(map(_sql_str, dropped))})"
    else:
        where = f"where p.source_file in ({', '.join(map(_sql_str, sorted(reuse)))})"
    # Kept files always have the size they had (same size+mtime, same sha, or still too
    # large to read); only the mtime may have moved.
    moved = {rel: f for rel, f in reuse.items() if prev[rel].mtime_ns != f.mtime_ns}
    mtime, join = "p.file_mtime_ns", ""
    if 0 < len(moved) <= _CASE_LIMIT:
        mtime = ("case p.source_file " + " ".join(
            f"when {_sql_str(rel)} then {f.mtime_ns}" for rel, f in moved.items())
            + " else p.file_mtime_ns end")
    elif moved:
        table = f"_sftmart_landing_moved_{uuid.uuid4().hex[:12]}"
        arrow = pa.table({"source_file": pa.array(list(moved), pa.string()),
                          "file_mtime_ns": pa.array([f.mtime_ns for f in moved.values()],
                                                    pa.int64())})
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
                   p.reject_reason_code, p.reject_reason, p.excerpt
            from {previous_table} p {join} {where}"""


# --------------------------------------------------------------------------- reconcile

class _Counter:
    """A sink that only counts the rows it is given (reconcile)."""

    def __init__(self):
        self.count = 0

    def landed(self, *_row) -> None:
        self.count += 1

    reject = landed


def _count_jsonl_units(fh) -> int:
    """Non-blank lines of a JSONL file, read CHUNK_BYTES at a time (1 for a file without any)."""
    units, content = 0, False
    head = fh.read(len(_BOM_B))
    data = head[len(_BOM_B):] if head == _BOM_B else head
    while True:
        lines = data.split(b"\n")
        for line in lines[:-1]:
            units += content or bool(line.strip(_WS_B))
            content = False
        content = content or bool(lines[-1].strip(_WS_B))
        data = fh.read(CHUNK_BYTES)
        if not data:
            return (units + content) or 1


def reconcile(raw_root, max_file_bytes: int = 2_000_000_000,
              follow_external_symlinks: bool = False) -> dict[str, int]:
    """How many landing rows each file under `raw_root` should produce (the raw suite's
    reconciliation with the input folder).

    Files are found and judged by the landing's own scan: what it quarantines unread counts one
    unit, unread. Records are counted in bounded memory: JSONL by its non-blank lines, JSON by
    the landing's streaming parser in count-only mode (element boundaries, nothing decoded).
    """
    counts: dict[str, int] = {}
    for f in _scan_tree(Path(raw_root), follow_external_symlinks):
        suffix = os.path.splitext(f.rel)[1].lower()
        if f.size is None or suffix not in SUPPORTED_SUFFIXES or f.size > max_file_bytes:
            counts[f.rel] = 1
            continue
        try:
            with _open_regular(f.path, f.ident) as fh:
                if suffix == ".jsonl":
                    counts[f.rel] = _count_jsonl_units(fh)
                else:
                    counter = _Counter()
                    _JsonFileParser(_TextWindow(fh, _Progress()), counter, (), 1_000_000,
                                    count_only=True).run()
                    counts[f.rel] = counter.count
        except OSError:
            counts[f.rel] = 1
    return counts


class _WithoutPandas:
    """An import finder that says pandas is not installed. A landing worker never uses pandas,
    but pyarrow imports it on its first conversion when it can: ~0.27 s of a worker's start."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise ModuleNotFoundError("a landing worker runs without pandas", name=name)
        return None


def _worker_main() -> None:
    """`python -m sftmart.landing` with a task as JSON on stdin: one parse group (see _parse_all)."""
    sys.meta_path.insert(0, _WithoutPandas())
    task = json.load(sys.stdin)
    jobs = [(path, size, tuple(ctx), ident) for path, size, ctx, ident in task["jobs"]]
    progress = _LineProgress()
    stage = _parse_group(jobs, task["stage_path"], task["max_record_bytes"], task["max_file_bytes"], progress)
    progress.flush()
    print("result " + json.dumps({"rows": stage.rows, "failures": stage.failures}), flush=True)


if __name__ == "__main__":
    _worker_main()
