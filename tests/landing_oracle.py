"""A test oracle for the landing: units per file counted by a plain whole-file tokenizer,
independent of the landing's streaming parser (which `sftmart.landing.reconcile` reuses).
Only for small test folders: it reads every file whole."""

from __future__ import annotations

import re
from pathlib import Path

_TOKEN = re.compile(r'"(?:[^"\\]+|\\.)*(?:"|\\?\Z)|[\[\]{},]', re.S)
_WS = " \t\r\n"


def count_json_units(text: str) -> int:
    """Units in a .json file's text (surrogateescape-decoded)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    body = text.lstrip(_WS)
    if not body:
        return 1  # empty_file
    if body[0] != "[":
        return 1  # a single value: one record (landed or rejected)
    start = len(text) - len(body) + 1
    units = 0
    depth = 0
    seg_start = start
    in_string_at_eof = False
    for m in _TOKEN.finditer(text, start):
        tok = m.group()
        if tok[0] == '"':
            if len(tok) == 1 or not tok.endswith('"') or _odd_trailing_backslashes(tok):
                in_string_at_eof = True
                break
            continue
        if tok in "[{":
            depth += 1
        elif tok in "]}":
            if depth > 0:
                depth -= 1
            elif tok == "]":
                if units > 0 or text[seg_start : m.start()].strip(_WS):
                    units += 1
                if text[m.end() :].strip(_WS):
                    units += 1  # data after the closing bracket
                return units or 1  # [] -> empty_file
        elif depth == 0:  # ','
            units += 1
            seg_start = m.end()
    # the array never closed
    last = text[seg_start:].strip(_WS)
    if last and depth == 0 and not in_string_at_eof:
        units += 1  # a complete last element before the cut
    return units + 1  # + the truncated_file row


def _odd_trailing_backslashes(tok: str) -> bool:
    """For a token ending in '"': is that quote escaped (string still open at EOF)?"""
    body = tok[1:-1]
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def count_units(path: Path) -> int:
    """Units of one regular .json or .jsonl file."""
    data = path.read_bytes()
    if path.suffix.lower() == ".jsonl":
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return sum(1 for line in data.split(b"\n") if line.strip(_WS.encode())) or 1
    return count_json_units(data.decode("utf-8", "surrogateescape"))
