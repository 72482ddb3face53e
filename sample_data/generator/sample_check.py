"""`--check` of sample_data/generator/make_sample.py: the planted problems are what the sample's README says they are,
measured the way the pipeline measures them (its cleaning, exact-dedup key, shingles, and the
quality formulas of tests/quality_oracle.py against seeds/quality_thresholds.csv)."""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

from sample_records import NL

REPO = Path(__file__).resolve().parents[2]


def lang_of(path: str, r: dict) -> str:
    if "meta" in r and r["meta"].get("Lang") == "ML":
        return "other"
    text = r["instruction"] + str(r["input"])
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def exact_key(r: dict) -> str:
    """The pipeline's exact-dedup key: lower-cased cleaned text with only letters and digits kept."""
    return "".join(ch for ch in cleaned_text(r).lower() if ch.isalnum())


def shingle_set(text: str, lang: str, n: int = 5) -> set[bytes]:
    from udfs.minhash import shingles

    return set(shingles(text, lang, n))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def check(files: dict[str, list[tuple[str, str, dict]]]) -> dict[str, int]:
    rows = [(p, kind, r) for p, lst in files.items() for kind, _, r in lst]
    keys = [exact_key(r) for _, _, r in rows]
    # Every planted exact duplicate collides with an earlier-or-later good record; nothing else does.
    for i, (p, kind, r) in enumerate(rows):
        same = [j for j, k in enumerate(keys) if k == keys[i] and j != i]
        if kind == "exact_dup":
            assert any(rows[j][1] != "exact_dup" for j in same), (p, r)
        else:
            assert all(rows[j][1] == "exact_dup" for j in same), (p, r, [rows[j][2] for j in same])
    # Near duplicates: similar to their base; all other distinct pairs well below the threshold
    # (with and without lower-casing, since the shingler takes the text as it is given).
    worst, closest_near = 0.0, 1.0
    near_found = 0
    for fold in (str.lower, str):
        sh = [shingle_set(fold(cleaned_text(r)), lang_of(p, r)) for p, _, r in rows]
        near_found = 0
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if keys[i] == keys[j]:
                    continue
                jac = jaccard(sh[i], sh[j])
                if "near_dup" in (rows[i][1], rows[j][1]) and jac >= 0.7:
                    assert jac >= 0.75, (jac, rows[i][2], rows[j][2])
                    closest_near = min(closest_near, jac)
                    near_found += 1
                else:
                    worst = max(worst, jac)
                    assert jac < 0.5, (jac, rows[i][2], rows[j][2])
    counts: dict[str, int] = {}
    for _, kind, _ in rows:
        counts[kind] = counts.get(kind, 0) + 1
    assert near_found == counts["near_dup"], (near_found, counts)
    # Output lengths of the good records.
    for p, kind, r in rows:
        if kind in ("unique", "other_lang"):
            n = len(str(r["output"]).replace(NL, "\n"))
            assert 10 <= n <= 400 or lang_of(p, r) == "zh", (n, r)
    print(
        f"check ok: planted near-duplicates have Jaccard >= {closest_near:.2f} to their base; the most "
        f"similar other pair of distinct records has {worst:.2f}",
        file=sys.stderr,
    )
    return counts


def cleaned_text(r: dict) -> str:
    """The pipeline's sample text (dbt macros clean_text + sample_text), re-done in Python."""

    def clean(t: str) -> str:
        t = unicodedata.normalize("NFC", t)
        if "\n" not in t and NL in t:
            t = t.replace(NL, "\n")
        t = re.sub(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>", "", t)
        t = re.sub(r"(https?|ftp)://[^\s<>\"']+|www\.[^\s<>\"']+", "", t)
        t = re.sub(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "", t)
        t = re.sub(r"[\t\u00a0\u2000-\u200b\u3000\ufeff]", " ", t)
        t = re.sub(r"([^\s]) {2,}", r"\1 ", t)
        t = re.sub(r" +\n", "\n", t)
        return re.sub(r"\n{3,}", "\n\n", t).strip(" \n")

    return "\n".join(x for x in (clean(str(r[f])) for f in ("instruction", "input", "output")) if x)


def quality_check(files: dict[str, list[tuple[str, str, dict]]]) -> None:
    """Good records pass every threshold of seeds/quality_thresholds.csv and junk fails one (uses the
    project's Data-Juicer formulas, tests/quality_oracle.py; skipped when they cannot be imported)."""
    try:
        sys.path.insert(0, str(REPO / "tests"))
        from quality_oracle import reference_stats
    except Exception as exc:  # pragma: no cover - depends on the checkout
        print(f"quality check skipped: {exc}", file=sys.stderr)
        return
    limits: dict[str, dict[str, tuple]] = {}
    with open(REPO / "dbt_project" / "seeds" / "quality_thresholds.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lo = float(row["min_value"]) if row["min_value"] else None
            hi = float(row["max_value"]) if row["max_value"] else None
            limits.setdefault(row["lang"], {})[row["stat"]] = (lo, hi)
    for rel, lst in files.items():
        for kind, note, r in lst:
            lang = lang_of(rel, r)
            if lang not in limits:
                continue
            stats = reference_stats(cleaned_text(r), lang)
            failed = [
                k
                for k, (lo, hi) in limits[lang].items()
                if (lo is not None and stats[k] < lo) or (hi is not None and stats[k] > hi)
            ]
            assert bool(failed) == (kind == "junk"), (rel, kind, note, failed, r)
    print("quality check ok: every good record passes the thresholds, every junk record fails one", file=sys.stderr)


# ================================================================================================
# Writing
