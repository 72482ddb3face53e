"""The `.jsonl` reader: one JSON value per line, read line by line with a cap on line length.

Blank lines are skipped but keep their place in the numbering (`record_index` is the 0-based
physical line, `line_number` 1-based). `count_jsonl_units` is reconcile's count of the same
units (non-blank lines), read in chunks.
"""

from __future__ import annotations

import json

from sftmart.landing import window
from sftmart.landing.records import (
    DECODER,
    EXCERPT_CHARS,
    SURROGATE_ESCAPE,
    check_record,
    excerpt_bytes,
    excerpt_text,
    lone_surrogate_field,
)
from sftmart.landing.sink import Sink
from sftmart.landing.window import BOM_B, WS_B, Progress


def parse_jsonl(fh, sink: Sink, ctx: tuple, max_record_bytes: int, progress: Progress, part=None) -> None:
    """Parse the lines of `fh` into `sink`: all of them, or given `part` = (start, end,
    first_line) the lines in bytes [start, end) (see sftmart.landing.split), numbered as in the
    whole file. A part never reports `empty_file`: only a file with content is split."""
    limit = max_record_bytes
    readline = fh.readline
    offset, end, lineno = (0, None, 0) if part is None else part
    if offset:
        fh.seek(offset)
    units = 0
    pending = 0
    bom = BOM_B
    while end is None or offset < end:
        raw = readline(limit + 3)
        if not raw:
            break
        length = len(raw)
        cut = length == limit + 3 and not raw.endswith(b"\n")
        if lineno == 0 and raw.startswith(bom):
            raw = raw[3:]
            offset += 3
            length -= 3
        lead = length - len(raw.lstrip(WS_B))
        stripped = raw.strip(WS_B)
        if cut:
            while True:  # skip the rest of this overlong line (is any of it not whitespace?)
                more = readline(1 << 20)
                if not more:
                    break
                length += len(more)
                if not stripped and more.strip(WS_B):
                    stripped = more.strip(WS_B)[: EXCERPT_CHARS * 4]
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
            size = f"is {length:,} bytes long" if cut else f"holds {len(stripped):,} bytes of JSON text"
            sink.reject(
                ctx,
                index,
                lineno,
                "record_too_large",
                f"line {lineno} (byte offset {line_start}) {size}, over the limit of "
                f"{limit:,} bytes (max_record_bytes)",
                excerpt_bytes(stripped),
            )
            continue
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as e:
            sink.reject(
                ctx,
                index,
                lineno,
                "invalid_utf8",
                f"line {lineno} contains bytes that are not valid UTF-8 (first: "
                f"0x{stripped[e.start]:02x} at byte offset {line_start + lead + e.start})",
                excerpt_bytes(stripped),
            )
            continue
        try:
            obj = DECODER.decode(text)
        except json.JSONDecodeError as e:
            sink.reject(
                ctx,
                index,
                lineno,
                "broken_json",
                f"line {lineno} is not valid JSON: {e.msg} at column {e.pos + lead + 1} "
                f"(byte offset {line_start + lead + len(text[: e.pos].encode())})",
                excerpt_text(text),
            )
            continue
        except RecursionError:
            sink.reject(
                ctx, index, lineno, "broken_json", f"line {lineno} is nested too deeply to parse", excerpt_text(text)
            )
            continue
        except ValueError as e:
            sink.reject(ctx, index, lineno, "broken_json", f"line {lineno} is not valid JSON: {e}", excerpt_text(text))
            continue
        if "\\u" in text and SURROGATE_ESCAPE.search(text):
            field = lone_surrogate_field(obj)
            if field is not None:
                sink.reject(
                    ctx,
                    index,
                    lineno,
                    "invalid_utf8",
                    f"line {lineno} has a lone UTF-16 surrogate escape (\\ud800-style) "
                    f"in '{field}', which is not valid Unicode",
                    excerpt_text(text),
                )
                continue
        res = check_record(obj)
        if len(res) == 2:
            sink.reject(ctx, index, lineno, res[0], f"line {lineno}: {res[1]}", excerpt_text(text))
            continue
        sink.landed(ctx, index, lineno, *res)
    progress.update(pending)
    if units == 0 and part is None:
        sink.reject(ctx, None, None, "empty_file", "the file is empty or holds only blank lines", "")


def count_jsonl_units(fh) -> int:
    """Non-blank lines of a JSONL file, read CHUNK_BYTES at a time (1 for a file without any)."""
    units, content = 0, False
    head = fh.read(len(BOM_B))
    data = head[len(BOM_B) :] if head == BOM_B else head
    while True:
        lines = data.split(b"\n")
        for line in lines[:-1]:
            units += content or bool(line.strip(WS_B))
            content = False
        content = content or bool(lines[-1].strip(WS_B))
        data = fh.read(window.CHUNK_BYTES)
        if not data:
            return (units + content) or 1
