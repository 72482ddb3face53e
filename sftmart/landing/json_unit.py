"""One element of a `.json` file judged: its size against max_record_bytes, its bytes (UTF-8),
its JSON, lone surrogate escapes, then the record checks (sftmart.landing.records); the element
lands or is rejected with a reason. The walk over the file is sftmart.landing.json_array's."""

from __future__ import annotations

import json

from sftmart.landing.records import (
    DECODER,
    SURROGATE,
    SURROGATE_ESCAPE,
    check_record,
    excerpt_text,
    lone_surrogate_field,
)
from sftmart.landing.sink import Sink
from sftmart.landing.window import TextWindow


class ElementJudge:
    """Judges one JSON element (or a file's single value) and writes its sink row: landed, or
    rejected with a reason. JsonFileParser (json_array.py) walks a file and calls `_unit`."""

    def __init__(self, win: TextWindow, sink: Sink, ctx: tuple, max_record_bytes: int, count_only: bool = False):
        self.win = win
        self.sink = sink
        self.ctx = ctx
        self.limit = max_record_bytes
        self.in_array = False
        self.count_only = count_only  # reconcile: find the units, decode none of them
        self.ends_at_cut = False  # the window is a range of a split array, not its last (run_part)

    # -- one unit -------------------------------------------------------------
    def _reject(self, index, code, reason, excerpt):
        self.sink.reject(self.ctx, index, None, code, reason, excerpt)

    def _what(self, index) -> str:
        return f"element {index}" if self.in_array else "the file's single JSON value"

    def _too_large(self, index, nbytes, offset, excerpt):
        self._reject(
            index,
            "record_too_large",
            f"{self._what(index)} starting at byte offset {offset} is {nbytes:,} bytes "
            f"of JSON text, "
            f"over the limit of {self.limit:,} bytes (max_record_bytes)",
            excerpt,
        )

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
            self._too_large(index, nbytes, win.offset(start), excerpt_text(buf[start:end]))
            return
        bad = SURROGATE.search(buf, start, end) if win.has_bad_bytes else None
        if bad is not None:
            byte = ord(bad.group()) - 0xDC00
            self._reject(
                index,
                "invalid_utf8",
                f"{self._what(index)} contains bytes that are not valid UTF-8 "
                f"(first: 0x{byte:02x} at byte offset {win.offset(bad.start())})",
                excerpt_text(buf[start:end]),
            )
            return
        if not parsed:
            try:
                obj = DECODER.decode(buf[start:end])
            except (ValueError, RecursionError) as e:  # ValueError: also NaN / Infinity
                if isinstance(e, json.JSONDecodeError):
                    why = f"is not valid JSON: {e.msg} at byte offset {win.offset(start + e.pos)}"
                elif isinstance(e, RecursionError):
                    why = f"starting at byte offset {win.offset(start)} is nested too deeply to parse"
                else:
                    why = f"starting at byte offset {win.offset(start)} is not valid JSON: {e}"
                self._reject(index, "broken_json", f"{self._what(index)} {why}", excerpt_text(buf[start:end]))
                return
        if win.has_surrogate_escapes and SURROGATE_ESCAPE.search(buf, start, end):
            field = lone_surrogate_field(obj)
            if field is not None:
                self._reject(
                    index,
                    "invalid_utf8",
                    f"{self._what(index)} (byte offset {win.offset(start)}) has a lone "
                    f"UTF-16 surrogate escape (\\ud800-style) in '{field}', which is "
                    f"not valid Unicode",
                    excerpt_text(buf[start:end]),
                )
                return
        res = check_record(obj)
        if len(res) == 2:
            code, reason = res
            self._reject(
                index,
                code,
                f"{self._what(index)} (byte offset {win.offset(start)}): {reason}",
                excerpt_text(buf[start:end]),
            )
            return
        self.sink.landed(self.ctx, index, None, *res)
