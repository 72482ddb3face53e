"""bench/make_corpus.py: counts add up, output is deterministic, planted rows are what they claim."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
import make_corpus as mc  # noqa: E402

REAL = Path(os.environ.get("SFTMART_ALPACA_COT") or REPO.parent / "shared" / "data" / "alpaca-cot")
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real Alpaca-CoT data not found at {REAL}")
N = 3000


def read_rows(out: Path) -> dict[str, list[dict]]:
    """Rows of every part file, by path relative to out/raw (the raw_root)."""
    out = out / "raw"
    return {
        str(p.relative_to(out)): [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
        for p in sorted(out.rglob("*.jsonl"))
    }


def read_labels(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def corpus_bytes(out: Path) -> dict[str, bytes]:
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.jsonl"))}
    manifest = json.loads((out / "manifest.json").read_text())
    manifest.pop("elapsed_s")
    manifest["source"].pop("path")
    files["manifest"] = json.dumps(manifest, sort_keys=True).encode()
    return files


@pytest.fixture(scope="module")
def real_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "c"
    labels = out.parent / "labels.tsv"
    manifest = mc.make_corpus(N, REAL, out, seed=0, files_of=500, labels=labels, quiet=True)
    return out, labels, manifest


@needs_real
def test_manifest_counts_add_up(real_corpus):
    out, labels, manifest = real_corpus
    counts = manifest["counts"]
    assert sum(counts.values()) == N
    assert counts["exact_dup"] == round(N * 0.15)
    assert counts["near_dup"] == round(N * 0.25)
    assert counts["junk"] == round(N * 0.05)
    assert counts["unique"] + counts["variant"] == N - round(N * 0.15) - round(N * 0.25) - round(N * 0.05)
    assert sum(manifest["by_lang"].values()) == N
    assert sum(manifest["details"]["exact_dup"].values()) == counts["exact_dup"]
    assert sum(manifest["details"]["near_dup"].values()) == counts["near_dup"]
    assert sum(manifest["details"]["junk"].values()) == counts["junk"]
    assert json.loads((out / "manifest.json").read_text())["counts"] == counts
    # The files hold exactly N rows, as the manifest lists them, none over --files-of.
    rows = read_rows(out)
    assert sum(len(v) for v in rows.values()) == N
    assert {f["path"]: f["rows"] for f in manifest["files"]} == {k: len(v) for k, v in rows.items()}
    assert all(len(v) <= 500 for v in rows.values())
    assert {Path(k).parts[0] for k in rows} == {"cot-en", "alpaca-zh"}
    # Every line of the labels names a row; kinds agree with the manifest.
    lab = read_labels(labels)
    assert len(lab) == N and [int(x["seq"]) for x in lab] == list(range(N))
    assert {k: sum(x["kind"] == k for x in lab) for k in counts} == counts


@needs_real
def test_rows_are_well_formed_and_in_the_right_collection(real_corpus):
    out, labels, manifest = real_corpus
    rows = read_rows(out)
    for lab in read_labels(labels):
        r = rows[lab["file"]][int(lab["line"]) - 1]
        assert isinstance(r["instruction"], str) and isinstance(r["input"], str) and isinstance(r["output"], str)
        if lab["kind"] != "junk":  # junk is filed under the language it imitates
            assert Path(lab["file"]).parts[0] == mc.COLLECTION[mc.lang_of(r)]
    # en:zh close to the source's ratio.
    src = manifest["source"]["rows_distinct"]
    want = src["zh"] / (src["en"] + src["zh"])
    got = manifest["by_lang"]["zh"] / N
    assert abs(got - want) < 0.05


@needs_real
def test_planted_rows_are_what_they_claim(real_corpus):
    out, labels, _ = real_corpus
    rows = read_rows(out)
    by_seq = {}
    for x in read_labels(labels):
        by_seq[int(x["seq"])] = (x, rows[x["file"]][int(x["line"]) - 1])
    source, _ = mc.load_source(REAL)
    source_json = {json.dumps(r, sort_keys=True) for lang in source.values() for r in lang}
    seen_unique = set()
    for seq, (lab, row) in by_seq.items():
        kind, of = lab["kind"], int(lab["of_seq"])
        if kind == "unique":
            assert json.dumps(row, sort_keys=True) in source_json
            key = mc.exact_key(row)
            assert key not in seen_unique
            seen_unique.add(key)
        elif kind in ("exact_dup", "near_dup", "variant"):
            assert 0 <= of < seq
            base_lab, base = by_seq[of]
            if kind == "variant":
                assert base_lab["kind"] == "unique"
            else:
                assert base_lab["kind"] in ("unique", "variant")
            if kind == "exact_dup":
                # the same text for the exact-dedup key; 'identical' ones are byte-for-byte copies
                assert mc.exact_key(row) == mc.exact_key(base)
                if lab["detail"] == "identical":
                    assert row == base
            else:
                assert mc.exact_key(row) != mc.exact_key(base)
                assert row != base
        else:
            assert kind == "junk" and of == -1


@needs_real
def test_deterministic_for_a_seed(real_corpus, tmp_path):
    out, _, _ = real_corpus
    again = tmp_path / "again"
    mc.make_corpus(N, REAL, again, seed=0, files_of=500, quiet=True)
    assert corpus_bytes(again) == corpus_bytes(out)
    other = tmp_path / "other"
    mc.make_corpus(N, REAL, other, seed=1, files_of=500, quiet=True)
    assert corpus_bytes(other) != corpus_bytes(out)


def _tiny_source(root: Path) -> Path:
    """A small synthetic source (not real data): 20 English and 10 Chinese records."""
    src = root / "src"
    (src / "en").mkdir(parents=True)
    (src / "zh").mkdir(parents=True)
    en = [
        {
            "instruction": f"Question number {i}: why does the river near town {i} flood every spring season?",
            "input": "",
            "output": f"Snow melts in the hills above town {i} and the water runs down into the river "
            f"faster than the channel can carry it away. So the answer is snowmelt.",
        }
        for i in range(20)
    ]
    (src / "en" / "a.json").write_text(json.dumps(en), encoding="utf-8")
    zh = [
        {
            "instruction": f"第{i}题：为什么春天的时候河水会上涨？",
            "input": "",
            "output": f"春天气温升高，山上的积雪融化成水流进河里，所以第{i}条河的水位会上涨。",
            "meta": {"Lang": "CH"},
        }
        for i in range(10)
    ]
    (src / "zh" / "b.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in zh) + "\n[1, 2]\n{bad\n", encoding="utf-8"
    )
    return src


def test_reuses_rows_as_variants_when_the_source_runs_out(tmp_path):
    src = _tiny_source(tmp_path)
    out = tmp_path / "out"
    manifest = mc.make_corpus(400, src, out, seed=3, files_of=100, labels=tmp_path / "l.tsv", quiet=True)
    assert manifest["source"]["rows_read"] == 31 and manifest["source"]["rows_valid"] == 30
    counts = manifest["counts"]
    assert counts["unique"] == 30
    assert counts["variant"] == 400 - 60 - 100 - 20 - 30
    assert sum(counts.values()) == 400
    rows = read_rows(out)
    assert sum(len(v) for v in rows.values()) == 400
    assert any("meta" in r for v in rows.values() for r in v)  # meta objects are carried along


def test_cli_refuses_to_mix_with_an_old_corpus(tmp_path):
    src = _tiny_source(tmp_path)
    out = tmp_path / "out"
    assert mc.main(["--rows", "50", "--source", str(src), "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["rows"] == 50
    with pytest.raises(SystemExit):
        mc.main(["--rows", "50", "--source", str(src), "--out", str(out)])
