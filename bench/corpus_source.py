"""The real rows a benchmark corpus is made of (bench/make_corpus.py): the valid Alpaca records of
a source folder, de-duplicated by the warehouse's exact-dedup key, per language, and the words and
characters that edits draw from."""

from __future__ import annotations

import json
import re
from pathlib import Path

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"^[A-Za-z][a-z]{1,14}$")
FIELDS = ("instruction", "input", "output")


def _records_of(path: Path):
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue
    elif path.suffix == ".json":
        with open(path, encoding="utf-8", errors="replace") as f:
            try:
                data = json.load(f)
            except ValueError:
                return
        yield from (data if isinstance(data, list) else [data])


def _valid(r) -> dict | None:
    """A well-formed record, reduced to the Alpaca fields (+ meta when it is an object)."""
    if not isinstance(r, dict):
        return None
    ins, inp, out = r.get("instruction"), r.get("input", ""), r.get("output")
    if inp is None:
        inp = ""
    if (
        not (isinstance(ins, str) and isinstance(inp, str) and isinstance(out, str))
        or not ins.strip()
        or not out.strip()
    ):
        return None
    row = {"instruction": ins, "input": inp, "output": out}
    if isinstance(r.get("meta"), dict):
        row["meta"] = r["meta"]
    return row


_NOT_ALNUM = re.compile(r"[\W_]+")


def exact_key(row: dict) -> str:
    """The warehouse's exact-dedup key: lower-cased text, letters and digits only."""
    return _NOT_ALNUM.sub("", "\n".join(row[f] for f in FIELDS if row[f]).lower())


def lang_of(row: dict) -> str:
    return "zh" if HAN.search(row["instruction"]) or HAN.search(row["input"]) else "en"


def load_source(source: Path, keys: dict[str, list[str]] | None = None) -> tuple[dict[str, list[dict]], dict]:
    """Distinct valid rows per language, in a stable order, and counts about the source (their
    exact-dedup keys are appended to `keys[lang]` when given)."""
    rows: dict[str, list[dict]] = {"en": [], "zh": []}
    seen: set[str] = set()
    read = valid = 0
    files = sorted(
        p
        for p in source.rglob("*")
        if p.is_file()
        and p.suffix in (".json", ".jsonl")
        and not any(part.startswith(".") for part in p.relative_to(source).parts)
    )
    for path in files:
        for r in _records_of(path):
            read += 1
            row = _valid(r)
            if row is None:
                continue
            valid += 1
            key = exact_key(row)
            if key in seen:
                continue
            seen.add(key)
            lang = lang_of(row)
            rows[lang].append(row)
            if keys is not None:
                keys.setdefault(lang, []).append(key)
    info = {
        "files": [str(p.relative_to(source)) for p in files],
        "rows_read": read,
        "rows_valid": valid,
        "rows_distinct": {k: len(v) for k, v in rows.items()},
    }
    return rows, info


def vocabularies(rows: dict[str, list[dict]]) -> tuple[list[str], list[str]]:
    """Replacement words (en) and characters (zh) taken from the source itself."""
    words: dict[str, None] = {}
    for r in rows["en"][:20000]:
        for w in r["output"].split():
            if WORD.match(w) and len(w) >= 3:
                words.setdefault(w.lower())
    chars: dict[str, None] = {}
    for r in rows["zh"][:20000]:
        for ch in r["output"]:
            if HAN.match(ch):
                chars.setdefault(ch)
    en_vocab = sorted(words) or ["apple", "river", "green", "quickly", "table"]
    zh_vocab = sorted(chars) or list("天地人山水日月风云花")
    return en_vocab, zh_vocab
