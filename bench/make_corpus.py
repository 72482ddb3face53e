"""Build a benchmark corpus of N Alpaca-CoT records from the real rows, with planted problems.

    python bench/make_corpus.py --rows 200000 --source ../shared/data/alpaca-cot --out bench/corpus/200000

Every output row is one of these kinds (shares are of N and configurable):

  unique     a real source row, used for the first time (exactly as read)
  variant    a real row used again because N needs more rows than the source has: a copy with 1-3
             words (zh: characters) replaced, inserted or deleted. It is a near-duplicate of the
             `unique` row it comes from, so a good near-dedup removes it too.
  exact_dup  (15%) a copy of an earlier unique/variant row: identical, or with its case changed
             (lower/upper) or its whitespace changed; the same text once lower-cased and reduced to
             letters and digits, which is the warehouse's exact-dedup key
  near_dup   (25%) an earlier unique/variant row with 1-3 words (zh: characters) replaced,
             inserted or deleted
  junk       (5%) too short, repetitive spam, symbol lines or URL spam, English or Chinese

`unique` + `variant` fill the rest (55% by default); `variant` only appears when N * 0.55 exceeds
the number of distinct real rows. The en:zh ratio of the source is kept (a row is Chinese when its
instruction or input contains a Han character, like the warehouse's template_lang).

Output: `<out>/raw/cot-en/part-00000.jsonl`, ... and `<out>/raw/alpaca-zh/part-00000.jsonl`, ... with at most
--files-of rows per file (`<out>/raw` is the raw_root to build), and `<out>/manifest.json` with the counts (also printed). With --labels PATH,
a TSV with one line per row (seq, file, line, kind, of_seq, detail) says what each row is; of_seq is
the row a duplicate, near-duplicate or variant was made from (-1 otherwise).

Deterministic for a given --seed and source; streams its output (memory is bounded by the source
size plus a fixed pool of earlier rows, whatever N).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

KINDS = ("unique", "variant", "exact_dup", "near_dup", "junk")
K_BASE, K_EXACT, K_NEAR, K_JUNK = 0, 1, 2, 3
COLLECTION = {"en": "cot-en", "zh": "alpaca-zh"}
POOL_SIZE = 20_000  # earlier rows that duplicates and near-duplicates are drawn from
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"^[A-Za-z][a-z]{1,14}$")
FIELDS = ("instruction", "input", "output")


# ------------------------------------------------------------------------------------------------
# Source rows
# ------------------------------------------------------------------------------------------------

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
    if not (isinstance(ins, str) and isinstance(inp, str) and isinstance(out, str)) or not ins.strip() or not out.strip():
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
    files = sorted(p for p in source.rglob("*")
                   if p.is_file() and p.suffix in (".json", ".jsonl")
                   and not any(part.startswith(".") for part in p.relative_to(source).parts))
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
    info = {"files": [str(p.relative_to(source)) for p in files], "rows_read": read, "rows_valid": valid,
            "rows_distinct": {k: len(v) for k, v in rows.items()}}
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


# ------------------------------------------------------------------------------------------------
# Edits
# ------------------------------------------------------------------------------------------------

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
            return text[:i] + new + text[i + 1:], op
        if op == "insert":
            return text[:i] + new + text[i:], op
        return text[:i] + text[i + 1:], op
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


def perturb(row: dict, lang: str, rng: random.Random, vocab: list[str], n_edits: int,
            key: str | None = None) -> tuple[dict, int]:
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


# ------------------------------------------------------------------------------------------------
# Junk
# ------------------------------------------------------------------------------------------------

_SHORT_EN = (("hi", "ok"), ("?", "yes"), ("thanks", "np"), ("Answer?", "No."), ("test", "k"), ("yo", "sure"))
_SHORT_ZH = (("你好", "好的"), ("在吗", "在"), ("？", "嗯"), ("谢谢", "不客气"), ("测试", "收到"))
_SYMBOLS = "@#$%^&*()_+{}|:<>?~=-[]\\;',./`!"


def junk_row(lang: str, rng: random.Random) -> tuple[dict, str]:
    kind = rng.choice(("too_short", "repetition", "symbols", "url_spam"))
    n = rng.randint(30, 120)
    if kind == "too_short":
        ins, out = rng.choice(_SHORT_ZH if lang == "zh" else _SHORT_EN)
        if rng.random() < 0.5:
            out = f"{out} {rng.randint(1, 99)}"
    elif kind == "repetition":
        if lang == "zh":
            ins, out = rng.choice(("讲个笑话", "说点什么", "重复一下")), rng.choice(("哈", "啊", "好的", "对对")) * n
        else:
            unit = rng.choice(("ha", "lol ", "buy now ", "!!", "click here ", "wow "))
            ins, out = rng.choice(("Say something.", "Reply", "Comment")), unit * n
    elif kind == "symbols":
        out = "".join(rng.choice(_SYMBOLS) for _ in range(n))
        ins = rng.choice(("分隔线", "？？？")) if lang == "zh" else rng.choice(("Divider", "###", "---"))
    else:
        host = "example.cn" if lang == "zh" else "example.com"
        out = " ".join(f"https://{rng.choice(('deal', 'promo', 'win', 'free'))}{rng.randint(1, 999)}.{host}/"
                       f"{rng.randint(1000, 99999)}" for _ in range(rng.randint(3, 10)))
        ins = rng.choice(("点击领取", "免费链接")) if lang == "zh" else rng.choice(("Links", "Free offers"))
    return {"instruction": ins, "input": "", "output": out}, kind


# ------------------------------------------------------------------------------------------------
# Writer
# ------------------------------------------------------------------------------------------------

class RotatingWriter:
    """JSONL parts of at most `per_file` rows under <out>/<collection>/."""

    def __init__(self, out: Path, per_file: int):
        self.out, self.per_file = out, per_file
        self.state: dict[str, list] = {}  # collection -> [file index, rows in file, handle, buffer]
        self.files: list[dict] = []

    def write(self, collection: str, line: str) -> tuple[str, int]:
        st = self.state.get(collection)
        if st is None or st[1] >= self.per_file:
            if st is not None:
                self._close(st)
            idx = 0 if st is None else st[0] + 1
            path = self.out / "raw" / collection / f"part-{idx:05d}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            st = [idx, 0, open(path, "w", encoding="utf-8"), []]
            self.files.append({"path": str(path.relative_to(self.out / "raw")), "rows": 0})
            st.append(len(self.files) - 1)
            self.state[collection] = st
        st[3].append(line)
        if len(st[3]) >= 2000:
            st[2].write("".join(st[3]))
            st[3].clear()
        st[1] += 1
        self.files[st[4]]["rows"] += 1
        return self.files[st[4]]["path"], st[1]

    def _close(self, st):
        st[2].write("".join(st[3]))
        st[3].clear()
        st[2].close()

    def close(self):
        for st in self.state.values():
            self._close(st)


# ------------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------------

def plan_counts(n: int, dup: float, near: float, junk: float) -> dict[str, int]:
    counts = {"exact_dup": round(n * dup), "near_dup": round(n * near), "junk": round(n * junk)}
    counts["base"] = n - sum(counts.values())
    if counts["base"] < 1 and n > 0:
        raise SystemExit("the shares leave no room for real rows; lower --dup/--near/--junk")
    return counts


def make_corpus(rows_n: int, source: Path, out: Path, seed: int = 0, files_of: int = 20000,
                dup: float = 0.15, near: float = 0.25, junk: float = 0.05,
                labels: Path | None = None, quiet: bool = False) -> dict:
    t0 = time.perf_counter()
    rng = random.Random(seed)
    src_keys: dict[str, list[str]] = {}
    src, src_info = load_source(source, src_keys)
    if not src["en"] and not src["zh"]:
        raise SystemExit(f"no valid records under {source}")
    en_vocab, zh_vocab = vocabularies(src)
    vocab = {"en": en_vocab, "zh": zh_vocab}
    p_zh = len(src["zh"]) / (len(src["en"]) + len(src["zh"]))
    order = {lang: list(range(len(rs))) for lang, rs in src.items()}
    for lang in ("en", "zh"):
        rng.shuffle(order[lang])
    used = {"en": 0, "zh": 0}
    first_seq: dict[str, dict[int, int]] = {"en": {}, "zh": {}}

    planned = plan_counts(rows_n, dup, near, junk)
    kinds = bytearray([K_BASE]) * planned["base"] + bytearray([K_EXACT]) * planned["exact_dup"] \
        + bytearray([K_NEAR]) * planned["near_dup"] + bytearray([K_JUNK]) * planned["junk"]
    rng.shuffle(kinds)
    if rows_n and kinds[0] != K_BASE:  # the first row must be a real one for copies to draw from
        j = kinds.index(K_BASE)
        kinds[0], kinds[j] = kinds[j], kinds[0]

    out.mkdir(parents=True, exist_ok=True)
    writer = RotatingWriter(out, files_of)
    label_f = open(labels, "w", encoding="utf-8") if labels else None
    if label_f:
        label_f.write("seq\tfile\tline\tkind\tof_seq\tdetail\n")
    pool: list[tuple[int, str, dict, str]] = []  # (seq, lang, row, exact key)
    n_base_emitted = 0
    counts = {k: 0 for k in KINDS}
    by_lang = {"en": 0, "zh": 0}
    detail_counts: dict[str, dict[str, int]] = {"exact_dup": {}, "near_dup": {}, "variant": {}, "junk": {}}
    near_high = 0
    dumps = json.dumps

    for seq in range(rows_n):
        k = kinds[seq]
        of = -1
        if k == K_BASE:
            lang = "zh" if (rng.random() < p_zh and src["zh"]) or not src["en"] else "en"
            n_src = len(order[lang])
            i = order[lang][used[lang] % n_src]
            rnd = used[lang] // n_src
            used[lang] += 1
            base = src[lang][i]
            if rnd == 0:
                row, kind, detail, key = base, "unique", "", src_keys[lang][i]
                first_seq[lang][i] = seq
            else:
                vr = random.Random(f"{seed}:{lang}:{i}:{rnd}")
                row, n_ed = perturb(base, lang, vr, vocab[lang], vr.randint(1, 3), key=src_keys[lang][i])
                kind, detail, of, key = "variant", f"{n_ed}_edits", first_seq[lang][i], None
            n_base_emitted += 1
            item = (seq, lang, row, key)
            if len(pool) < POOL_SIZE:
                pool.append(item)
            else:
                j = rng.randrange(n_base_emitted)
                if j < POOL_SIZE:
                    pool[j] = item
        elif k == K_EXACT:
            of, lang, base, key = pool[rng.randrange(len(pool))]
            row, detail = exact_variant(base, lang, rng, key)
            kind = "exact_dup"
        elif k == K_NEAR:
            of, lang, base, key = pool[rng.randrange(len(pool))]
            row, n_ed = perturb(base, lang, rng, vocab[lang], rng.randint(1, 3), key=key)
            kind, detail = "near_dup", f"{n_ed}_edits"
            if jaccard(shingles(row, lang), shingles(base, lang)) >= 0.7:
                near_high += 1
        else:
            lang = "zh" if rng.random() < p_zh else "en"
            row, detail = junk_row(lang, rng)
            kind = "junk"
        counts[kind] += 1
        by_lang[lang] += 1
        if detail:
            d = detail_counts[kind]
            d[detail] = d.get(detail, 0) + 1
        path, line_no = writer.write(COLLECTION[lang], dumps(row, ensure_ascii=False) + "\n")
        if label_f:
            label_f.write(f"{seq}\t{path}\t{line_no}\t{kind}\t{of}\t{detail}\n")
    writer.close()
    if label_f:
        label_f.close()

    elapsed = time.perf_counter() - t0
    manifest = {
        "rows": rows_n,
        "seed": seed,
        "files_of": files_of,
        "shares": {"exact_dup": dup, "near_dup": near, "junk": junk},
        "source": {"path": str(source), **src_info},
        "counts": counts,
        "by_lang": by_lang,
        "details": detail_counts,
        "near_dup_estimated_jaccard_ge_0.7": near_high,
        "expected_survivors_of_perfect_dedup_and_filtering": counts["unique"],
        "files": writer.files,
        "elapsed_s": round(elapsed, 2),
    }
    with open(out / "manifest.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
    if not quiet:
        print(f"wrote {rows_n} rows to {out} in {elapsed:.1f}s ({len(writer.files)} files)")
        print(f"source: {src_info['rows_read']} rows read, {src_info['rows_valid']} valid, "
              f"distinct en={src_info['rows_distinct']['en']} zh={src_info['rows_distinct']['zh']}")
        for kind in KINDS:
            extra = detail_counts.get(kind) or {}
            print(f"  {kind:<10} {counts[kind]:>9}  {json.dumps(extra, sort_keys=True) if extra else ''}")
        print(f"  by language: en={by_lang['en']} zh={by_lang['zh']}; near-duplicates with estimated "
              f"Jaccard >= 0.7: {near_high} of {counts['near_dup']}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True, help="number of records to write")
    ap.add_argument("--source", type=Path, required=True, help="folder of real Alpaca-CoT .json/.jsonl files")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--files-of", type=int, default=20000, help="rows per output file (default 20000)")
    ap.add_argument("--dup", type=float, default=0.15, help="share of exact duplicates (default 0.15)")
    ap.add_argument("--near", type=float, default=0.25, help="share of near-duplicates (default 0.25)")
    ap.add_argument("--junk", type=float, default=0.05, help="share of junk rows (default 0.05)")
    ap.add_argument("--labels", type=Path, help="also write a TSV saying what every row is")
    args = ap.parse_args(argv)
    if args.rows < 0 or args.files_of < 1:
        ap.error("--rows must be >= 0 and --files-of >= 1")
    if args.out.exists() and any(args.out.iterdir()):
        stale = [p for p in args.out.rglob("*.jsonl")]
        if stale:  # leftovers of an earlier, bigger run would be read as part of the corpus
            ap.error(f"{args.out} already holds .jsonl files; remove it first")
    make_corpus(args.rows, args.source, args.out, seed=args.seed, files_of=args.files_of,
                dup=args.dup, near=args.near, junk=args.junk, labels=args.labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
