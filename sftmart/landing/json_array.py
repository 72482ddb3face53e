"""The `.json` parser: a JSON array of records read element by element in bounded memory, or a
single JSON value (the record at index 0).

Elements are delimited structurally (depth-0 commas outside strings), so one broken element is
rejected on its own and the rest still land; bytes that are not UTF-8 reject only the elements
that hold them. An array that is cut off lands every complete element and adds one
`truncated_file` row; `[]` gives one `empty_file` row. With `count_only` (reconcile) the same
walk finds the units without decoding any of them. `run_part` parses one range of whole elements
of a large array (sftmart.landing.array_split) exactly as the whole-file walk would.
"""

from __future__ import annotations

import re

from sftmart.landing.json_unit import ElementJudge
from sftmart.landing.records import DECODER, EXCERPT_CHARS, excerpt_text
from sftmart.landing.window import BOM, NONWS, WS, scan_element_end

# An object with nothing nested (the usual record), matched in one step when only counting.
FLAT_OBJECT = re.compile(r'\{(?:[^"{}\[\]]++|"[^"\\]*+(?:\\.[^"\\]*+)*+")*+\}', re.S)


class JsonFileParser(ElementJudge):
    """Parses one `.json` file into sink rows (each element judged by ElementJudge)."""

    # -- whole file -----------------------------------------------------------
    def run(self) -> None:
        win = self.win
        while not win.buf and not win.eof:
            win.more(0)
        pos = 1 if win.buf.startswith(BOM) else 0
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
                excerpt = excerpt_text(win.buf[pos:])
                win.drain()
                self._reject(
                    0,
                    "record_too_large",
                    f"the file holds a single JSON value (byte offset {offset}) of more "
                    f"than {self.limit:,} bytes (max_record_bytes)",
                    excerpt,
                )
                return
            pos -= win.more(pos)
        end = len(win.buf.rstrip(WS))
        self._unit(0, pos, end)

    def run_part(self, first_index: int, last: bool) -> None:
        """The elements of one byte range of a large array (sftmart.landing.array_split): the
        window starts right after a depth-0 ',' (element `first_index` comes next) and, unless
        `last`, ends right after the depth-0 ',' that closes the range's last element. The last
        range also meets the closing ']', what follows it, or the cut-off end of the file."""
        self.ends_at_cut = not last
        if first_index == 0:  # the first range: the file's start, BOM and '[' included
            self.run()
            return
        self.in_array = True
        self._elements(self.win.skip_ws(0), first_index, False)

    def _array(self, pos: int) -> None:
        win = self.win
        self.in_array = True
        closed = False
        pos = win.skip_ws(pos)
        if pos is None:
            self._reject(0, "truncated_file", "the file ends right after the opening '[' of the array", "[")
            return
        if win.buf[pos] == "]":
            closed = True
            pos += 1
        self._elements(pos, 0, closed)

    def _elements(self, pos: int | None, index: int, closed: bool) -> None:
        """Elements from `pos` (element `index`) to the closing ']', then what follows it."""
        win = self.win
        while not closed:
            if pos is None:
                if self.ends_at_cut:
                    return  # a range of a split array ends after the ',' of its last element
                self._reject(
                    index,
                    "truncated_file",
                    f"the file ends after element {index - 1} and a ',' without closing the array with ']'",
                    "",
                )
                return
            buf = win.buf
            c = buf[pos]
            if c == "," or c == "]":
                self._reject(
                    index,
                    "broken_json",
                    f"element {index} is empty (nothing before the ',' or ']' at byte offset {win.offset(pos)})",
                    c,
                )
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
                flat = FLAT_OBJECT.match(buf, start)
                end = flat.end() if flat is not None else -1
            else:
                try:
                    obj, end = DECODER.raw_decode(buf, start)
                except (ValueError, RecursionError):
                    pass
            if end >= 0:
                m = NONWS.search(buf, end)
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
                term = scan_element_end(win.buf, q, state)
                if term >= 0 or win.eof:
                    break
                q = len(win.buf)
                if too_large is None and q - start > max(self.limit, EXCERPT_CHARS):
                    too_large = (win.offset(start), excerpt_text(win.buf[start:]))
                # Once too large, keep only the trailing whitespace (to measure the size).
                keep = len(win.buf[:q].rstrip(WS)) if too_large is not None else start
                shift = win.more(keep)
                q -= shift
                start -= shift
            buf = win.buf
            if term < 0:
                # End of file inside the element: the array was cut off.
                balanced = state[0] == 0 and not state[1]
                if balanced:
                    if too_large is not None:
                        end = len(buf.rstrip(WS))
                        self._too_large(index, win.offset(end) - too_large[0], *too_large)
                    else:
                        self._unit(index, start, len(buf.rstrip(WS)))
                    index += 1
                    where = f"after its last element ({index - 1})"
                else:
                    where = f"in the middle of element {index}"
                self._reject(
                    index,
                    "truncated_file",
                    f"the file ends {where} without closing the array with ']' "
                    f"(at byte offset {win.offset(len(buf))}); the complete elements "
                    f"before it were landed",
                    "" if balanced else too_large[1] if too_large is not None else excerpt_text(buf[start:]),
                )
                return
            if too_large is not None:
                end = len(buf[:term].rstrip(WS))
                self._too_large(index, win.offset(end) - too_large[0], *too_large)
            else:
                end = start + len(buf[start:term].rstrip(WS))
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
            self._reject(
                index,
                "broken_json",
                f"unexpected data after the closing ']' of the array at byte offset {win.offset(pos)}",
                excerpt_text(win.buf[pos:]),
            )
            win.drain()
            index += 1
        if index == 0:
            self._file_reject("empty_file", "the file holds an empty JSON array: no records", "[]")
