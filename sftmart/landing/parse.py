"""Parsing files into a Parquet stage: one file (by its suffix) and a group of files.

A file that fails part-way (an OSError, or a bug in the parser) loses whatever it staged and
becomes one `unreadable_file` row; nothing stops the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sftmart.landing.files import SUPPORTED_SUFFIXES, open_regular
from sftmart.landing.json_array import JsonFileParser
from sftmart.landing.jsonl import parse_jsonl
from sftmart.landing.records import EXCERPT_CHARS, excerpt_bytes
from sftmart.landing.sink import Sink
from sftmart.landing.window import Progress, TextWindow


def reject_too_large_file(sink: Sink, ctx, size: int, max_file_bytes: int) -> None:
    sink.reject(
        ctx,
        None,
        None,
        "file_too_large",
        f"the file is {size:,} bytes, over the limit of {max_file_bytes:,} bytes (max_file_bytes); it was not read",
        None,
    )


def parse_file(
    path,
    size: int,
    ctx,
    sink: Sink,
    max_record_bytes: int,
    max_file_bytes: int,
    progress: Progress,
    ident=None,
    part=None,
) -> None:
    """Parse one file (or, given `part`, one line range of a JSONL file or one range of whole
    elements of a JSON array: see split) into `sink` rows carrying the file context `ctx`.

    Raises OSError when the file cannot be read (the caller turns it into a reject).
    """
    suffix = os.path.splitext(str(path))[1].lower()
    if part is not None:
        with open_regular(path, ident, buffering=1 << 20) as fh:
            if suffix == ".jsonl":
                parse_jsonl(fh, sink, ctx, max_record_bytes, progress, part)
            else:  # a range of whole elements of a large array (array_split)
                start, end, first_index = part
                last = end >= size
                win = TextWindow(fh, progress, start=start, end=None if last else end)
                JsonFileParser(win, sink, ctx, max_record_bytes).run_part(first_index, last)
        return
    if suffix not in SUPPORTED_SUFFIXES:
        head = b""
        if size <= max_file_bytes:
            with open_regular(path, ident) as fh:
                head = fh.read(EXCERPT_CHARS * 4)
        sink.reject(
            ctx,
            None,
            None,
            "unsupported_file_type",
            f"files ending in '{suffix or '(no extension)'}' are not landed; "
            f"only .json (array or object) and .jsonl are supported",
            excerpt_bytes(head),
        )
        if size <= max_file_bytes:
            progress.update(size)
        return
    if size > max_file_bytes:
        reject_too_large_file(sink, ctx, size, max_file_bytes)
        return
    with open_regular(path, ident, buffering=1 << 20) as fh:
        if suffix == ".jsonl":
            parse_jsonl(fh, sink, ctx, max_record_bytes, progress)
        else:
            JsonFileParser(TextWindow(fh, progress), sink, ctx, max_record_bytes).run()


@dataclass
class Stage:
    path: str
    rows: int
    failures: list  # (ctx, reason) of files that failed part-way: their staged rows are dropped


def parse_group(
    jobs: list, stage_path: str, max_record_bytes: int, max_file_bytes: int, progress: Progress | None = None
) -> Stage:
    """Parse jobs [(path, size, ctx, ident[, part])] into one Parquet stage."""
    progress = progress or Progress()
    sink = Sink(stage_path)
    failures = []
    try:
        for path, size, ctx, ident, *part in jobs:
            try:
                parse_file(
                    path, size, ctx, sink, max_record_bytes, max_file_bytes, progress, ident, part[0] if part else None
                )
            except Exception as e:
                # OSError: unreadable. Anything else is a bug, which must neither stop the run
                # nor lose the file silently. Either way the rows staged so far go.
                if isinstance(e, OSError):
                    reason = f"the file could not be read: {e.strerror or e}"
                else:
                    reason = (
                        f"the landing code failed on this file ({type(e).__name__}: {e}); nothing from it was landed"
                    )
                failures.append((ctx, reason))
    finally:
        sink.close()
    return Stage(stage_path, sink.count, failures)
