"""`reconcile`: how many landing rows each input file should give, in bounded memory.

The raw GX suite checks `landed + rejected == units` file by file against it. Files are found
and judged by the landing's own scan (what it quarantines unread is one unit, unread); records
are counted by the landing's own readers in count-only mode, so the check costs no JSON
decoding and no more memory than the landing (a 1 GB single-line file: ~115 MB peak, measured
in tests/test_landing_reconcile.py).

Given `seen`, it also says which version of each file it counted, (size, mtime_ns) as the scan
found it, so the suite compares only files that did not change since they were landed; a file
that moved while it was counted is (-1, -1), a version no landing recorded.
"""

from __future__ import annotations

import os
from pathlib import Path

from sftmart.landing.files import SUPPORTED_SUFFIXES, open_regular, scan_tree
from sftmart.landing.json_array import JsonFileParser
from sftmart.landing.jsonl import count_jsonl_units
from sftmart.landing.sink import Counter
from sftmart.landing.window import Progress, TextWindow

COUNT_WINDOW_CHARS = 1_000_000  # an element longer than this is counted without keeping it


def reconcile(
    raw_root,
    max_file_bytes: int = 2_000_000_000,
    follow_external_symlinks: bool = False,
    seen: dict[str, tuple[int | None, int | None]] | None = None,
) -> dict[str, int]:
    """Units per file under `raw_root`: records (JSON array elements, non-blank JSONL lines,
    single values) plus the whole-file rows (empty, truncated, unreadable, quarantined).
    `seen`, when given, gets each file's (size, mtime_ns) as counted (see the module docstring)."""
    counts: dict[str, int] = {}
    for f in scan_tree(Path(raw_root), follow_external_symlinks):
        if seen is not None:
            seen[f.rel] = (f.size, f.mtime_ns)
        suffix = os.path.splitext(f.rel)[1].lower()
        if f.size is None or suffix not in SUPPORTED_SUFFIXES or f.size > max_file_bytes:
            counts[f.rel] = 1
            continue
        try:
            with open_regular(f.path, f.ident) as fh:
                if suffix == ".jsonl":
                    counts[f.rel] = count_jsonl_units(fh)
                else:
                    counter = Counter()
                    JsonFileParser(TextWindow(fh, Progress()), counter, (), COUNT_WINDOW_CHARS, count_only=True).run()
                    counts[f.rel] = counter.count
        except OSError:
            counts[f.rel] = 1
        if seen is not None and _moved(f.path, f.size, f.mtime_ns):
            seen[f.rel] = (-1, -1)
    return counts


def _moved(path: str, size: int, mtime_ns: int) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return True
    return (st.st_size, st.st_mtime_ns) != (size, mtime_ns)
