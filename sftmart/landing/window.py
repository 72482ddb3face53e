"""Reading a file as text in bounded memory: a window of decoded text over its bytes, and the
structural scan that finds where a JSON array element ends (depth-0 ',' or ']' outside strings)
however many reads it spans."""

from __future__ import annotations

import codecs
import os
import re

from sftmart.landing.records import SURROGATE, SURROGATE_ESCAPE

CHUNK_BYTES = 4 << 20  # bytes per read; tests shrink it to put chunk edges everywhere
WS = " \t\r\n"
WS_B = b" \t\r\n"
BOM = "\ufeff"
BOM_B = codecs.BOM_UTF8
NONWS = re.compile(r"[^ \t\r\n]")
STRUCT = re.compile(r'["\[\]{},]')
IN_STRING = re.compile(r'["\\]')


class Progress:
    """Thin wrapper so parsing code can report bytes whether or not tqdm is shown."""

    def __init__(self, bar=None):
        self.bar = bar

    def update(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)


class TextWindow:
    """A window of decoded text over a binary file.

    Decodes UTF-8 with surrogateescape (invalid bytes become U+DC80..U+DCFF, so they can be
    found and shown later) and maps text positions back to file byte offsets. Given `start` and
    `end`, it reads only the bytes [start, end) of the file (a range of a split array, see
    sftmart.landing.array_split), still reporting file byte offsets; `end` None = to the end.
    """

    def __init__(self, fh, progress: Progress, chunk: int | None = None, start: int = 0, end: int | None = None):
        self.fh = fh
        self.progress = progress
        self.chunk = chunk or CHUNK_BYTES
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self.buf = ""
        self.base = start  # file byte offset of buf[0]
        self.left = None if end is None else end - start  # bytes of the range still to read
        if start:
            fh.seek(start)
        self.eof = False
        self._cache = (0, start)  # (text position, byte offset) of a known point in buf
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
        if self.left is None:
            data = self.fh.read(self.chunk)
        else:
            data = self.fh.read(min(self.chunk, self.left)) if self.left > 0 else b""
            self.left -= len(data)
        if data:
            self.progress.update(len(data))
            self.buf += self.decoder.decode(data)
        else:
            self.buf += self.decoder.decode(b"", final=True)
            self.eof = True
        self.has_bad_bytes = SURROGATE.search(self.buf) is not None
        self.has_surrogate_escapes = SURROGATE_ESCAPE.search(self.buf) is not None
        return keep_from

    def offset(self, pos: int) -> int:
        cpos, cbytes = self._cache
        if pos < cpos:
            cpos, cbytes = 0, self.base
        cbytes += len(self.buf[cpos:pos].encode("utf-8", "surrogateescape"))
        self._cache = (pos, cbytes)
        return cbytes

    def skip_ws(self, pos: int) -> int | None:
        """Position of the next non-whitespace character (reading on; drops the text before it)."""
        while True:
            m = NONWS.search(self.buf, pos)
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


def scan_element_end(buf: str, pos: int, state: list):
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
            m = IN_STRING.search(buf, pos)
            if m is None:
                pos = n
                break
            pos = m.end()
            if m.group() == "\\":
                esc = True
            else:
                in_str = False
        else:
            m = STRUCT.search(buf, pos)
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
