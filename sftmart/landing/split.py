"""One large `.jsonl` file parsed on every core: byte ranges that start right after a newline
(a large `.json` array is cut between elements the same way: sftmart.landing.array_split).

A parse job is `(path, size, ctx, ident, part)`; `part` is None for a whole file, or
`(start, end, first_line)` for the lines of a JSONL file in bytes [start, end), whose first
line is the file's 0-based line `first_line`. A range always begins right after a b'\\n' (or at
0) and ends right after one (or at the end of the file), so every physical line lies in exactly
one range and keeps the `record_index`, `line_number`, byte offsets and therefore `record_id`
that the sequential parser gives it. `first_line` is the number of b'\\n' before `start`,
counted in one chunked pass (bytes.count runs at memory speed).

Only files of at least SPLIT_MIN_BYTES are split, and only files with some non-blank content
(an empty file must stay one `empty_file` row, which a range cannot decide alone).
"""

from __future__ import annotations

import os

from sftmart.landing import window
from sftmart.landing.files import open_regular
from sftmart.landing.window import BOM_B, WS_B

# A worker costs ~0.3 s to start (workers.PARALLEL_MIN_BYTES) and one core parses about 25 MB/s
# of Alpaca JSONL (issue 15: 131 MB in 5.3 s); halving a file saves size / 50 MB/s, which pays
# for the extra worker from about 16 MB on: the same bar as PARALLEL_MIN_BYTES.
SPLIT_MIN_BYTES = 16 << 20
# Ranges per worker. Equal bytes are not equal time (the 200k bench file in one piece: its
# English half parses 1.4x slower per byte than its Chinese half), and a worker's ranges are
# fixed when it starts; several ranges each, dealt out in turn, mix the parts of the file.
PIECES_PER_WORKER = 4


def job_bytes(job) -> int:
    """Bytes a job reads: its range, or the whole file."""
    part = job[4] if len(job) > 4 else None
    return job[1] if part is None else part[1] - part[0]


def _next_line_start(fh, pos: int, end: int) -> int:
    """The offset right after the first b'\\n' at or after `pos` (`end` if none before it)."""
    fh.seek(pos)
    while pos < end:
        data = fh.read(min(window.CHUNK_BYTES, end - pos))
        if not data:
            return end
        k = data.find(b"\n")
        if k >= 0:
            return pos + k + 1
        pos += len(data)
    return end


def jsonl_ranges(path, size: int, pieces: int, ident=None) -> list[tuple[int, int, int]] | None:
    """`(start, end, first_line)` ranges of about size / pieces bytes covering the file, or None
    when the file holds only blanks (and a BOM): it must land as one `empty_file` row.

    Raises OSError when the file cannot be read (the caller parses it whole, which reports it).
    """
    with open_regular(path, ident) as fh:
        cuts = [0]
        for k in range(1, pieces):
            cut = _next_line_start(fh, max(k * size // pieces, cuts[-1]), size)
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
        cuts.append(size)
        fh.seek(0)
        lines, content, pos, first = 0, False, 0, True
        starts, k = [], 1
        while pos < size:
            data = fh.read(min(window.CHUNK_BYTES, size - pos))
            if not data:
                break
            while k < len(cuts) - 1 and cuts[k] <= pos + len(data):
                starts.append(lines + data.count(b"\n", 0, cuts[k] - pos))
                k += 1
            lines += data.count(b"\n")
            if not content:
                body = data[len(BOM_B) :] if first and data.startswith(BOM_B) else data
                content = bool(body.strip(WS_B))
            first = False
            pos += len(data)
    if not content or len(starts) != len(cuts) - 2:  # blanks only, or the file shrank meanwhile
        return None
    firsts = [0] + starts
    return [(cuts[i], cuts[i + 1], firsts[i]) for i in range(len(cuts) - 1)]


def split_jobs(jobs: list, workers: int, max_file_bytes: int, min_bytes: int | None = None, piece_bytes=None) -> list:
    """The jobs with each `.jsonl` file of at least `min_bytes` (SPLIT_MIN_BYTES) cut into line
    ranges of about `piece_bytes` (default: the total bytes / (workers * PIECES_PER_WORKER)),
    and each such `.json` array into ranges of whole elements (sftmart.landing.array_split);
    other files left as they are."""
    min_bytes = SPLIT_MIN_BYTES if min_bytes is None else min_bytes
    if workers < 2:
        return jobs
    total = sum(min(job[1], max_file_bytes) for job in jobs)
    piece = piece_bytes or -(-total // (workers * PIECES_PER_WORKER))
    out = []
    for job in jobs:
        path, size, ctx, ident = job[:4]
        big = min_bytes <= size <= max_file_bytes and size > piece
        suffix = os.path.splitext(str(path))[1].lower()
        if not big or suffix not in (".jsonl", ".json"):
            out.append(job)
            continue
        if suffix == ".json":
            from sftmart.landing.array_split import array_ranges  # numba: only where arrays are split

            cut = array_ranges
        else:
            cut = jsonl_ranges
        try:
            ranges = cut(path, size, -(-size // piece), ident)
        except OSError:
            ranges = None  # parsed whole: the parse reports the file as unreadable
        if not ranges or len(ranges) < 2:
            out.append(job)
        else:
            out += [(path, size, ctx, ident, part) for part in ranges]
    return out
