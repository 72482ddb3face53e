"""Output of a benchmark corpus (bench/make_corpus.py) in one of the file layouts users have:

  split    JSONL parts of at most N rows per collection (<collection>/part-00000.jsonl, ...)
  jsonl    one JSONL file of every row (alpaca-cot.jsonl), the collections interleaved
  json     one JSON array of every row (alpaca-cot.json), one element per line
  mixture  the shapes of the bundled sample_data: English rows as compact JSON arrays of at most N
           rows (cot-en/part-00000.json, like Alpaca-CoT's chain-of-thought files), Chinese rows as
           indented JSON arrays (alpaca-zh/part-00000.json, like its chinese-alpaca files), and every
           tenth row in one JSONL file with a `meta` object (mixed/with_meta.jsonl, like xP3)

`write` returns (file, 1-based line or element number) for the labels.
"""

from __future__ import annotations

import json
from pathlib import Path

LAYOUTS = ("split", "jsonl", "json", "mixture")


class _Part:
    """One output file: JSONL lines, or the elements of one JSON array."""

    def __init__(self, path: Path, array: bool, indent: int | None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(path, "w", encoding="utf-8")
        self.array, self.indent, self.rows, self.buffer = array, indent, 0, []
        if array:
            self.fh.write("[\n")

    def write(self, row: dict) -> int:
        text = json.dumps(row, ensure_ascii=False, indent=self.indent)
        self.buffer.append(text if not self.array else ("" if self.rows == 0 else ",\n") + text)
        if not self.array:
            self.buffer.append("\n")
        if len(self.buffer) >= 4000:
            self.fh.write("".join(self.buffer))
            self.buffer.clear()
        self.rows += 1
        return self.rows

    def close(self) -> None:
        self.fh.write("".join(self.buffer) + ("\n]\n" if self.array else ""))
        self.fh.close()


class LayoutWriter:
    """Rows of a corpus into <out>/raw in one of LAYOUTS, at most `per_file` rows per part where
    the layout has parts."""

    def __init__(self, out: Path, per_file: int, layout: str = "split"):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; one of {LAYOUTS}")
        self.out, self.per_file, self.layout = out, per_file, layout
        self.parts: dict[str, tuple[int, _Part]] = {}  # stream -> (part number, open part)
        self.files: list[dict] = []
        self.seen = 0

    def _target(self, collection: str) -> tuple[str, str, bool, int | None, bool]:
        """(stream, file name pattern, array?, indent, rotates?) for the next row."""
        if self.layout == "jsonl":
            return "all", "alpaca-cot.jsonl", False, None, False
        if self.layout == "json":
            return "all", "alpaca-cot.json", True, None, False
        if self.layout == "split":
            return collection, f"{collection}/part-{{:05d}}.jsonl", False, None, True
        if self.seen % 10 == 0:
            return "meta", "mixed/with_meta.jsonl", False, None, False
        indent = 4 if collection == "alpaca-zh" else None
        return collection, f"{collection}/part-{{:05d}}.json", True, indent, True

    def write(self, collection: str, row: dict) -> tuple[str, int]:
        stream, pattern, array, indent, rotates = self._target(collection)
        if stream == "meta":
            row = {**row, "meta": {"collection": collection, "row": self.seen}}
        self.seen += 1
        number, part = self.parts.get(stream, (-1, None))
        if part is None or (rotates and part.rows >= self.per_file):
            if part is not None:
                part.close()
            number += 1
            rel = pattern.format(number)
            part = _Part(self.out / "raw" / rel, array, indent)
            self.files.append({"path": rel, "rows": 0})
            part.entry = len(self.files) - 1
            self.parts[stream] = (number, part)
        line = part.write(row)
        self.files[part.entry]["rows"] += 1
        return self.files[part.entry]["path"], line

    def close(self) -> None:
        for _, part in self.parts.values():
            part.close()
