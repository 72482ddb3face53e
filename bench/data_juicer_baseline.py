"""Same-run baseline: Data-Juicer running the equivalent of our dedup + quality recipe on a corpus.

    /tmp/djvenv/bin/python bench/data_juicer_baseline.py --corpus bench/corpus/20000/raw --out /tmp/dj-20000 [--np 1]

Data-Juicer lives in its own venv, NOT in the project's (it pins torch, ray, datasets, ...):

    python3 -m venv /tmp/djvenv
    /tmp/djvenv/bin/pip install torch==2.13.0 py-data-juicer==1.6.1 \
        aiohttp==3.14.5 scipy==1.17.1 ray==2.60.0 msgpack==1.2.4

(measured with torch 2.13.0+cpu, i.e. add `--extra-index-url https://download.pytorch.org/whl/cpu`
to skip the CUDA wheels; aiohttp also brought aiohappyeyeballs aiosignal frozenlist multidict
propcache yarl.)

py-data-juicer 1.6.1 does not declare aiohttp (imported by data_juicer.utils.file_utils), scipy
(document_minhash_deduplicator) or ray (imported by data_juicer.core); when one is missing its
LazyLoader pip/uv-installs it at run time. This script forbids that (see _forbid_auto_install), so
install them up front as above.

What it does:
  1. reads every *.jsonl and *.json (array or one record) under --corpus (recursively; records
     {"instruction", "input", "output"}) and
     writes <out>/dj_input/data.jsonl with `text` = instruction \\n input (when non-empty) \\n
     output (what our sample_text macro builds) next to the three fields;
  2. runs bench/data_juicer_recipe.yaml (document_deduplicator, alphanumeric_filter,
     character_repetition_filter, text_length_filter, maximum_line_length_filter,
     document_minhash_deduplicator) with Data-Juicer's DefaultExecutor, np=--np (1 by default),
     exporting the kept rows to <out>/dj_export/kept.jsonl; Data-Juicer's logs go to stderr and
     <out>/dj_work/;
  3. prints, as its last stdout line, {"rows": <input rows>, "kept": <rows kept>, "seconds": <wall>}
     where seconds covers step 1 and the executor's run (load, ops, export), not the Python/
     Data-Juicer imports or the config parsing (a `timing:` line before it gives the parts).

Offline: nothing is downloaded at run time (HF hub / datasets / transformers offline, pip and uv
without an index, Data-Juicer's auto-install refused); none of the six ops needs a model.
<out>/dj_input, <out>/dj_export and <out>/dj_work are replaced on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECIPE = HERE / "data_juicer_recipe.yaml"


def _offline_env(out: Path) -> None:
    """Everything offline and every cache under <out>/dj_work, set before Data-Juicer is imported."""
    cache = out / "dj_work" / "cache"
    os.environ.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HOME": str(cache / "hf"),
            "HF_DATASETS_CACHE": str(cache / "hf" / "datasets"),
            "DATA_JUICER_CACHE_HOME": str(cache / "data_juicer"),
            "PIP_NO_INDEX": "1",
            "UV_OFFLINE": "1",
            "RAY_USAGE_STATS_ENABLED": "0",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )


def _forbid_auto_install() -> None:
    """Make Data-Juicer's LazyLoader fail instead of pip/uv-installing a missing package."""
    from data_juicer.utils.lazy_loader import LazyLoader

    def refuse(cls, package_spec, pip_args=None):
        raise RuntimeError(
            f"Data-Juicer wants to install {package_spec!r} at run time; install it into the venv "
            f"first ({sys.executable} -m pip install {package_spec})"
        )

    LazyLoader._install_package = classmethod(refuse)


def build_input(corpus: Path, dest: Path) -> int:
    """Write the records of every *.jsonl under `corpus` to `dest` with the `text` field; row count."""
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".jsonl", ".json") and p.is_file())
    if not files:
        raise SystemExit(f"no .jsonl or .json files under {corpus}")
    rows = bad = 0
    with open(dest, "w", encoding="utf-8") as out:
        for path in files:
            with open(path, encoding="utf-8", errors="replace") as f:
                if path.suffix == ".json":  # an array of records, or one record
                    data = json.load(f)
                    records = data if isinstance(data, list) else [data]
                else:
                    records = (line.strip() for line in f)
                for line in records:
                    if not line:
                        continue
                    try:
                        rec = json.loads(line) if isinstance(line, str) else line
                    except json.JSONDecodeError:
                        bad += 1
                        continue
                    if not isinstance(rec, dict):
                        bad += 1
                        continue
                    ins, inp, outp = (rec.get(k) for k in ("instruction", "input", "output"))
                    ins = ins if isinstance(ins, str) else ""
                    inp = inp if isinstance(inp, str) else ""
                    outp = outp if isinstance(outp, str) else ""
                    # concat_ws(chr(10), instruction, nullif(input, ''), output)
                    text = "\n".join([ins, inp, outp] if inp else [ins, outp])
                    out.write(
                        json.dumps({"text": text, "instruction": ins, "input": inp, "output": outp}, ensure_ascii=False)
                        + "\n"
                    )
                    rows += 1
    print(
        f"[baseline] {rows} rows from {len(files)} files under {corpus}"
        + (f" ({bad} unparseable lines skipped)" if bad else ""),
        flush=True,
    )
    return rows


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, type=Path, help="folder of JSONL files (read recursively)")
    ap.add_argument("--out", required=True, type=Path, help="work dir (dj_input/, dj_export/, dj_work/ in it)")
    ap.add_argument("--np", type=int, default=1, help="Data-Juicer processes (default 1)")
    ap.add_argument("--recipe", type=Path, default=RECIPE, help="Data-Juicer recipe (default: %(default)s)")
    args = ap.parse_args(argv)

    out = args.out.resolve()
    for sub in ("dj_input", "dj_export", "dj_work"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    _offline_env(out)

    t_import = time.perf_counter()
    _forbid_auto_install()
    from data_juicer.config import init_configs
    from data_juicer.core import DefaultExecutor

    import_s = time.perf_counter() - t_import

    data = out / "dj_input" / "data.jsonl"
    export = out / "dj_export" / "kept.jsonl"
    t0 = time.perf_counter()
    rows = build_input(args.corpus.resolve(), data)
    prepare_s = time.perf_counter() - t0

    t_cfg = time.perf_counter()
    cfg = init_configs(
        [
            "--config",
            str(args.recipe.resolve()),
            "--dataset_path",
            str(data),
            "--export_path",
            str(export),
            "--work_dir",
            str(out / "dj_work"),
            "--np",
            str(args.np),
        ]
    )
    config_s = time.perf_counter() - t_cfg

    t1 = time.perf_counter()
    DefaultExecutor(cfg).run()
    executor_s = time.perf_counter() - t1
    seconds = prepare_s + executor_s

    kept = count_lines(export) if export.exists() else 0
    timing = {
        "import_s": round(import_s, 2),
        "config_s": round(config_s, 2),
        "prepare_s": round(prepare_s, 3),
        "executor_s": round(executor_s, 3),
        "np": args.np,
        "rows_per_s": round(rows / seconds, 1) if seconds > 0 else None,
        "export": str(export),
    }
    result = {"rows": rows, "kept": kept, "seconds": round(seconds, 3)}
    # Data-Juicer may have redirected sys.stdout into its logger: write to the real stdout.
    sys.stderr.flush()
    sys.stdout.flush()
    real = sys.__stdout__
    real.write("timing: " + json.dumps(timing) + "\n")
    real.write(json.dumps(result) + "\n")
    real.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
