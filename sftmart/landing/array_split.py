"""One large `.json` array parsed on every core: byte ranges of whole elements.

A range is `(start, end, first_index)` like a JSONL line range (sftmart.landing.split): bytes
[start, end) of the file, whose first element is the array's element `first_index`. The first
range starts at 0 (BOM and '[' included); every other one starts right after a depth-0 ','
between two elements, and every range but the last ends right after one, so each element lies in
exactly one range and keeps the index, byte offsets and therefore `record_id` the sequential
parser (sftmart.landing.json_array) gives it. The last range runs to the end of the file: the
closing ']', anything after it, or a file cut off mid-element are judged there, as in one pass.

The cuts come from one structural scan over the file's bytes (a numba loop, chunk by chunk)
with the sequential parser's own rules (window.scan_element_end): strings with backslash
escapes, '{' and '[' nest, '}' and ']' close, a stray '}' between elements is ignored, a ']'
between elements closes the array (the scan stops there). Every byte it looks at is ASCII, which
never occurs inside a multi-byte UTF-8 character, and invalid bytes are not ASCII, so the byte
scan sees exactly the structure the text scan sees, broken and truncated files included.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from sftmart.landing import window
from sftmart.landing.files import open_regular
from sftmart.landing.window import BOM_B, WS_B

DEPTH, IN_STRING, ESCAPED, COMMAS, NEXT_TARGET = range(5)  # the scan's state between chunks


@nb.njit(cache=True, nogil=True)
def _scan(buf, n, base, state, targets, cuts, firsts):  # pragma: no cover - compiled
    """Scan buf[:n] (file bytes from offset `base`) from the state left by the last chunk; the
    first depth-0 ',' at or after each target offset goes to `cuts`, the number of depth-0
    commas up to it (the next element's index) to `firsts`. True once the array closes or every
    target has its cut (nothing further is needed)."""
    depth, in_str, esc, commas, t = state[0], state[1], state[2], state[3], state[4]
    n_targets = targets.shape[0]
    done = False
    for i in range(n):
        c = buf[i]
        if in_str:
            if esc:
                esc = 0
            elif c == 92:  # backslash
                esc = 1
            elif c == 34:  # '"'
                in_str = 0
        elif c == 34:
            in_str = 1
        elif c == 123 or c == 91:  # '{' '['
            depth += 1
        elif c == 125 or c == 93:  # '}' ']'
            if depth:
                depth -= 1
            elif c == 93:  # the closing ']' of the array
                done = True
                break
        elif c == 44 and depth == 0:  # ',' between elements
            commas += 1
            while t < n_targets and targets[t] <= base + i:
                cuts[t] = base + i
                firsts[t] = commas
                t += 1
            if t == n_targets:
                done = True
                break
    state[0], state[1], state[2], state[3], state[4] = depth, in_str, esc, commas, t
    return done


def _array_start(fh) -> int | None:
    """Offset right after the array's opening '[' (after a BOM and blanks), None when the file
    does not start with '['."""
    head = fh.read(window.CHUNK_BYTES)
    pos = len(BOM_B) if head.startswith(BOM_B) else 0
    body = head[pos:].lstrip(WS_B)
    if not body.startswith(b"["):
        return None
    return len(head) - len(body) + 1


def array_ranges(path, size: int, pieces: int, ident=None) -> list[tuple[int, int, int]] | None:
    """`(start, end, first_index)` ranges of about size / pieces bytes covering a `.json` file
    that holds an array, or None when it holds something else or too few elements to cut.

    Raises OSError when the file cannot be read (the caller parses it whole, which reports it).
    """
    if pieces < 2:
        return None
    with open_regular(path, ident) as fh:
        pos = _array_start(fh)
        if pos is None:
            return None
        targets = np.array([k * size // pieces for k in range(1, pieces)], dtype=np.int64)
        cuts = np.full(len(targets), -1, dtype=np.int64)
        firsts = np.zeros(len(targets), dtype=np.int64)
        state = np.zeros(5, dtype=np.int64)
        chunk = np.empty(window.CHUNK_BYTES, dtype=np.uint8)
        fh.seek(pos)
        while pos < size:
            n = fh.readinto(memoryview(chunk)[: min(len(chunk), size - pos)])
            if not n or _scan(chunk, n, pos, state, targets, cuts, firsts):
                break
            pos += n
    found = sorted({(int(c), int(f)) for c, f in zip(cuts, firsts) if 0 <= c < size - 1})
    if not found:
        return None
    starts = [0] + [c + 1 for c, _ in found]
    ends = [c + 1 for c, _ in found] + [size]
    return list(zip(starts, ends, [0] + [f for _, f in found]))
