"""A/B: near-duplicate components by scipy (udfs/minhash/components.py) against the numba hash-table
union-find it replaced (read from git history), on the band keys of a corpus, in the same run.

    python bench/ab_near_dup_components.py [--corpus bench/corpus/200000] [--repeats 5]

The corpus is one written by bench/make_corpus.py (made first when missing). Every row's text is
lower-cased and banded as the warehouse does (num_perm 256, threshold 0.7, seed 1); both sides get
the same keys and must give the same labels. Also times importing scipy.sparse.csgraph in a fresh
interpreter, which the scipy side pays once per process. Results go to
bench/results/near_dup_components.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

REPLACED_AT = "efecab2"  # the last commit with the numba union-find (udfs/minhash.py)


def numba_union_find():
    """connected_components of udfs/minhash.py as of REPLACED_AT."""
    source = subprocess.run(
        ["git", "show", f"{REPLACED_AT}:udfs/minhash.py"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "minhash_before_scipy.py"  # numba caches only code in files
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.connected_components


def corpus_keys(corpus: Path) -> np.ndarray:
    from udfs.minhash import band_keys, lsh_params, signatures

    texts, langs = [], []
    for path in sorted((corpus / "raw").rglob("*.jsonl")):
        lang = "zh" if path.parent.name == "alpaca-zh" else "en"
        for line in path.open(encoding="utf-8"):
            r = json.loads(line)
            texts.append("\n".join(x for x in (r["instruction"], r["input"], r["output"]) if x).lower())
            langs.append(lang)
    b, r = lsh_params(0.7, 256)
    return band_keys(signatures(texts, langs, num_perm=256, seed=1), b, r)


def scipy_import_seconds() -> float:
    code = (
        "import time, numpy, pyarrow; t = time.perf_counter(); "
        "import scipy.sparse.csgraph; print(time.perf_counter() - t)"
    )
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=BENCH / "corpus" / "200000")
    ap.add_argument("--source", type=Path, default=REPO.parent / "shared" / "data" / "alpaca-cot")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    if not (args.corpus / "manifest.json").exists():
        from make_corpus import make_corpus

        make_corpus(int(args.corpus.name), args.source, args.corpus)
    from udfs.minhash import connected_components

    before = numba_union_find()
    keys = corpus_keys(args.corpus)
    ids = np.arange(len(keys), dtype=np.int64)
    assert (connected_components(ids, keys) == before(ids, keys)).all(), "the two sides disagree"
    seconds: dict[str, list[float]] = {"scipy": [], "numba_union_find": []}
    for _ in range(args.repeats):  # alternate, so that both see the same machine load
        for name, fn in (("scipy", connected_components), ("numba_union_find", before)):
            start = time.perf_counter()
            fn(ids, keys)
            seconds[name].append(time.perf_counter() - start)
    result = {
        "rows": len(keys),
        "bands": keys.shape[1],
        "median_s": {k: round(float(np.median(v)), 3) for k, v in seconds.items()},
        "all_s": {k: [round(x, 3) for x in v] for k, v in seconds.items()},
        "scipy_import_s": round(scipy_import_seconds(), 3),
    }
    print(json.dumps(result, indent=2))
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "near_dup_components.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
