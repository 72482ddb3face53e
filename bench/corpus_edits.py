"""Edits that make a corpus row from an earlier one (bench/make_corpus.py): near-duplicates (a few
words, or Han characters, replaced, inserted or deleted) and exact duplicates (the same exact-dedup
key: identical, case or whitespace changed), and the shingle Jaccard that estimates how near a
near-duplicate is."""

from __future__ import annotations

import random

from corpus_source import FIELDS, HAN, WORD, exact_key


def _edit_field(text: str, lang: str, rng: random.Random, vocab: list[str]) -> tuple[str, str] | None:
    """One replace/insert/delete of a word (en) or Han character (zh); None when not possible."""
    op = rng.choice(("replace", "replace", "insert", "delete"))
    if lang == "zh":
        if len(text) < 2:
            return None
        for _ in range(8):  # a random Han character, found by a few random probes
            i = rng.randrange(len(text))
            if HAN.match(text[i]):
                break
        else:
            return None
        new = rng.choice(vocab)
        if op == "replace":
            if new == text[i]:
                return None
            return text[:i] + new + text[i + 1 :], op
        if op == "insert":
            return text[:i] + new + text[i:], op
        return text[:i] + text[i + 1 :], op
    tokens = text.split(" ")
    if len(tokens) < 2:
        return None
    for _ in range(8):  # a random plain word, found by a few random probes
        i = rng.randrange(len(tokens))
        if WORD.match(tokens[i]):
            break
    else:
        return None
    new = rng.choice(vocab)
    if op == "replace":
        if new == tokens[i].lower():
            return None
        tokens[i] = new
    elif op == "insert":
        tokens.insert(i, new)
    else:
        del tokens[i]
    return " ".join(tokens), op


def perturb(
    row: dict, lang: str, rng: random.Random, vocab: list[str], n_edits: int, key: str | None = None
) -> tuple[dict, int]:
    """A copy of row with n_edits word/character edits, spread over its fields by length; never
    the same exact-dedup key as row (`key`, computed when not given; edits that cancel out are
    redone)."""
    key = exact_key(row) if key is None else key
    for _ in range(10):
        out, done = _perturb_once(row, lang, rng, vocab, n_edits)
        if exact_key(out) != key:
            return out, done
    out = dict(row, output=row["output"] + ("" if lang == "zh" else " ") + rng.choice(vocab))
    return out, 1


def _perturb_once(row: dict, lang: str, rng: random.Random, vocab: list[str], n_edits: int) -> tuple[dict, int]:
    out = dict(row)
    done = 0
    for _ in range(n_edits * 4):
        if done == n_edits:
            break
        weights = [len(out[f]) for f in FIELDS]
        field = rng.choices(FIELDS, weights=weights)[0] if sum(weights) else "output"
        res = _edit_field(out[field], lang, rng, vocab)
        if res is not None:
            out[field] = res[0]
            done += 1
    if done == 0:  # too short to edit word-wise: append a word so the row still differs
        out["output"] = out["output"] + ("" if lang == "zh" else " ") + rng.choice(vocab)
        done = 1
    return out, done


def shingles(row: dict, lang: str, n: int = 5) -> set:
    """Word 5-grams (en) or character 5-grams without ASCII whitespace (zh), as the warehouse's
    MinHash shingles them (on the raw text, lower-cased: an estimate)."""
    from udfs.minhash import shingles as warehouse_shingles

    text = "\n".join(row[f] for f in FIELDS if row[f]).lower()
    return set(warehouse_shingles(text, lang, n))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if (a or b) else 1.0


def exact_variant(row: dict, lang: str, rng: random.Random, key: str | None = None) -> tuple[dict, str]:
    """A copy with the same exact-dedup key (`key`, computed when not given): identical, case
    changed or whitespace changed."""
    style = rng.choices(("identical", "case", "whitespace"), weights=(4, 3, 3))[0]
    if style == "case" and (lang == "en" or any("a" <= c.lower() <= "z" for c in row["instruction"] + row["output"])):
        fold = str.lower if rng.random() < 0.6 else str.upper
        new = dict(row, instruction=fold(row["instruction"]), output=fold(row["output"]))
        if exact_key(new) == (exact_key(row) if key is None else key):  # 'ß'.upper() == 'SS' would not
            return new, "case"
        style = "whitespace"
    if style in ("case", "whitespace"):
        ins, out = row["instruction"], row["output"]
        k = rng.randrange(3)
        if k == 0:
            ins = "  " + ins + " "
        elif k == 1:
            out = out.replace(" ", "  ", 2) + "\n" if " " in out else out + "\n\n"
        else:
            ins, out = ins + "\t", " " + out
        return dict(row, instruction=ins, output=out), "whitespace"
    return dict(row), "identical"
