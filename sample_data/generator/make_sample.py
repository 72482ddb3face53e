"""Write the bundled sample under sample_data/alpaca-cot/ (deterministic; all text written for sftmart).

    python sample_data/generator/make_sample.py            # (re)writes sample_data/alpaca-cot/
    python sample_data/generator/make_sample.py --check    # also verifies the planted problems (see check() and
                                           # quality_check()) and prints their counts
    python sample_data/generator/make_sample.py --list     # prints where each planted record is

The records imitate the style of Alpaca-CoT (chain-of-thought English records with literal "\\n"
sequences, Chinese instruction records, Data-Juicer records with a `meta` object) but the text is
original. Problems are planted on purpose and listed in sample_data/README.md; `--check` prints the
counts that table must show.

The good records come from sample_data/generator/sample_records.py (texts in sample_data/generator/sample_texts.json, arithmetic
templates in sample_data/generator/sample_arithmetic_*.py), the planted problems from sample_data/generator/sample_planted.py, and
the checks from sample_data/generator/sample_check.py.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sample_check import check, quality_check
from sample_planted import build
from sample_records import rec

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "sample_data" / "alpaca-cot"

# a file whose lines the landing must quarantine one by one: a good record, then bad ones
BAD_LINES = [
    json.dumps(
        rec(
            "Name the largest planet in the Solar System and give one fact about it.",
            "Jupiter is the largest planet. It is a gas giant more than eleven times as wide as Earth.",
        )
    ),
    '{"instruction": "What is the boiling point of water?", "input": "", "output": "100 degrees Celsius at sea level',
    "[1, 2]",
    json.dumps(rec("What is six times seven? Answer with a number.", 42)),
    json.dumps({"input": "", "output": "This record has no instruction field, so it cannot be turned into a prompt."}),
]
NOTES_TXT = """These are free-form notes, not instruction data.
A .txt file has no records the landing step can read, so it is quarantined as an unsupported file type.
"""


def write(files: dict[str, list[tuple[str, str, dict]]], out: Path) -> None:
    for rel, lst in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        records = [r for _, _, r in lst]
        if rel.endswith(".jsonl"):
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        else:
            text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
        path.write_text(text, encoding="utf-8")
    broken = out / "broken"
    broken.mkdir(parents=True, exist_ok=True)
    (broken / "bad_lines.jsonl").write_text("\n".join(BAD_LINES) + "\n", encoding="utf-8")
    (broken / "notes.txt").write_text(NOTES_TXT, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default: sample_data/alpaca-cot)")
    ap.add_argument("--check", action="store_true", help="verify the planted problems and report counts")
    ap.add_argument("--list", action="store_true", help="print every planted record with its position")
    args = ap.parse_args(argv)
    files = build()
    write(files, args.out)
    for rel, lst in files.items():
        kinds: dict[str, int] = {}
        for kind, _, _ in lst:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"{rel}: {len(lst)} records {kinds}")
        if args.list:
            for i, (kind, note, r) in enumerate(lst):
                if kind != "unique":
                    print(f"  [{i}] {kind}: {note}: {str(r['instruction'])[:60]!r}")
    if args.check:
        print("totals:", check(files))
        quality_check(files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
