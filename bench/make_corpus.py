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

Output (--layout split, the default): `<out>/raw/cot-en/part-00000.jsonl`, ... and
`<out>/raw/alpaca-zh/part-00000.jsonl`, ... with at most --files-of rows per file (`<out>/raw` is the
raw_root to build; --layout jsonl / json / mixture: one JSONL file, one JSON array, or the bundled
sample's mix of shapes, see corpus_writer.py), and `<out>/manifest.json` with the counts (also printed). With --labels PATH,
a TSV with one line per row (seq, file, line, kind, of_seq, detail) says what each row is; of_seq is
the row a duplicate, near-duplicate or variant was made from (-1 otherwise).

Deterministic for a given --seed and source; streams its output (memory is bounded by the source
size plus a fixed pool of earlier rows, whatever N).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from corpus_edits import exact_variant, jaccard, perturb, shingles
from corpus_junk import junk_row
from corpus_source import exact_key, lang_of, load_source, vocabularies
from corpus_writer import LAYOUTS, LayoutWriter

# exact_key and lang_of judge the rows of a corpus too (tests/test_make_corpus.py)
__all__ = ["COLLECTION", "KINDS", "exact_key", "lang_of", "load_source", "main", "make_corpus", "plan_counts"]

KINDS = ("unique", "variant", "exact_dup", "near_dup", "junk")
K_BASE, K_EXACT, K_NEAR, K_JUNK = 0, 1, 2, 3
COLLECTION = {"en": "cot-en", "zh": "alpaca-zh"}
POOL_SIZE = 20_000  # earlier rows that duplicates and near-duplicates are drawn from


def plan_counts(n: int, dup: float, near: float, junk: float) -> dict[str, int]:
    counts = {"exact_dup": round(n * dup), "near_dup": round(n * near), "junk": round(n * junk)}
    counts["base"] = n - sum(counts.values())
    if counts["base"] < 1 and n > 0:
        raise SystemExit("the shares leave no room for real rows; lower --dup/--near/--junk")
    return counts


def make_corpus(
    rows_n: int,
    source: Path,
    out: Path,
    seed: int = 0,
    files_of: int = 20000,
    dup: float = 0.15,
    near: float = 0.25,
    junk: float = 0.05,
    labels: Path | None = None,
    quiet: bool = False,
    layout: str = "split",
) -> dict:
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
    kinds = (
        bytearray([K_BASE]) * planned["base"]
        + bytearray([K_EXACT]) * planned["exact_dup"]
        + bytearray([K_NEAR]) * planned["near_dup"]
        + bytearray([K_JUNK]) * planned["junk"]
    )
    rng.shuffle(kinds)
    if rows_n and kinds[0] != K_BASE:  # the first row must be a real one for copies to draw from
        j = kinds.index(K_BASE)
        kinds[0], kinds[j] = kinds[j], kinds[0]

    out.mkdir(parents=True, exist_ok=True)
    writer = LayoutWriter(out, files_of, layout)
    label_f = open(labels, "w", encoding="utf-8") if labels else None
    if label_f:
        label_f.write("seq\tfile\tline\tkind\tof_seq\tdetail\n")
    pool: list[tuple[int, str, dict, str]] = []  # (seq, lang, row, exact key)
    n_base_emitted = 0
    counts = {k: 0 for k in KINDS}
    by_lang = {"en": 0, "zh": 0}
    detail_counts: dict[str, dict[str, int]] = {"exact_dup": {}, "near_dup": {}, "variant": {}, "junk": {}}
    near_high = 0

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
        path, line_no = writer.write(COLLECTION[lang], row)
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
        "layout": layout,
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
        print(
            f"source: {src_info['rows_read']} rows read, {src_info['rows_valid']} valid, "
            f"distinct en={src_info['rows_distinct']['en']} zh={src_info['rows_distinct']['zh']}"
        )
        for kind in KINDS:
            extra = detail_counts.get(kind) or {}
            print(f"  {kind:<10} {counts[kind]:>9}  {json.dumps(extra, sort_keys=True) if extra else ''}")
        print(
            f"  by language: en={by_lang['en']} zh={by_lang['zh']}; near-duplicates with estimated "
            f"Jaccard >= 0.7: {near_high} of {counts['near_dup']}"
        )
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rows", type=int, required=True, help="number of records to write")
    ap.add_argument("--source", type=Path, required=True, help="folder of real Alpaca-CoT .json/.jsonl files")
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--files-of", type=int, default=20000, help="rows per output file (default 20000)")
    ap.add_argument("--dup", type=float, default=0.15, help="share of exact duplicates (default 0.15)")
    ap.add_argument("--near", type=float, default=0.25, help="share of near-duplicates (default 0.25)")
    ap.add_argument("--junk", type=float, default=0.05, help="share of junk rows (default 0.05)")
    ap.add_argument("--labels", type=Path, help="also write a TSV saying what every row is")
    ap.add_argument("--layout", choices=LAYOUTS, default="split", help="file layout (see corpus_writer.py)")
    args = ap.parse_args(argv)
    if args.rows < 0 or args.files_of < 1:
        ap.error("--rows must be >= 0 and --files-of >= 1")
    if args.out.exists() and any(args.out.iterdir()):
        stale = [p for p in args.out.rglob("*.json*") if p.name != "manifest.json"]
        if stale:  # leftovers of an earlier, bigger run would be read as part of the corpus
            ap.error(f"{args.out} already holds .json/.jsonl files; remove it first")
    make_corpus(
        args.rows,
        args.source,
        args.out,
        seed=args.seed,
        files_of=args.files_of,
        dup=args.dup,
        near=args.near,
        junk=args.junk,
        labels=args.labels,
        layout=args.layout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
