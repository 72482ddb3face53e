"""Issue 14, finding 5: the raw suite's reconciliation streams, within a memory bound like the
landing's, and counts what the landing lands."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import run_dbt
from landing_oracle import count_units

from sftmart.landing import files, land, parse, reconcile, window

GB = 1 << 30
RSS_LIMIT_MB = 300  # the landing's own bound is ~4 MB read chunks; Python + pyarrow start at ~100 MB


@pytest.mark.timeout(300)
def test_reconcile_of_huge_sparse_files_stays_within_a_memory_bound(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    # one endless line of NUL bytes; an array cut off inside a string; an array whose only
    # element never ends (sparse files: nothing is written to disk)
    for name, head, size in (
        ("string.json", b'[{"instruction": "', GB + 12345),
        ("line.jsonl", b'{"instruction": "', GB // 4),
        ("element.json", b"[", GB // 4),
    ):
        with open(raw / name, "wb") as fh:
            fh.write(head)
            fh.truncate(size)
    (raw / "small.json").write_text(json.dumps([{"instruction": "i", "output": "o"}] * 3))
    # VmHWM: this process's own peak (ru_maxrss would include the RSS of pytest, forked from)
    script = (
        "import json, re, sys; from sftmart.landing import reconcile; "
        "counts = reconcile(sys.argv[1]); "
        "peak = int(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)); "
        "print(json.dumps([counts, peak]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(raw)],
        capture_output=True,
        text=True,
        cwd=Path(window.__file__).resolve().parents[2],
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    counts, maxrss_kb = json.loads(done.stdout)
    print(f"reconcile peak RSS {maxrss_kb / 1024:.0f} MB")
    assert counts == {"line.jsonl": 1, "string.json": 1, "element.json": 2, "small.json": 3}
    assert maxrss_kb / 1024 < RSS_LIMIT_MB, f"reconcile peaked at {maxrss_kb / 1024:.0f} MB"


def test_reconcile_counts_what_is_landed_whatever_the_chunk_size(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    rec = json.dumps({"instruction": '指令 "q" ] } ,', "output": "o"}, ensure_ascii=False)
    files = {
        "a.json": "\ufeff [" + ",".join([rec] * 5) + "]  ",
        "b.json": "[" + rec + ", ,]",
        "c.json": "[" + rec + "," + rec[:20],
        "d.json": "[" + rec + "] trailing",
        "e.json": "[]",
        "f.json": "",
        "g.json": rec,
        "h.jsonl": "\ufeff" + rec + "\n\n  \r\n" + rec + "\n" + rec,
        "i.jsonl": " \n\t",
        "j.jsonl": " " * 3000 + rec + "\n" + rec + "\n",  # an overlong line: still one unit
    }
    for name, text in files.items():
        (raw / name).write_text(text, encoding="utf-8")
    oracle = {name: count_units(raw / name) for name in files}
    con = duckdb.connect()
    rel = land(con, raw, max_record_bytes=500)  # noqa: F841 - read by name in the SQL below
    landed = dict(con.execute("select source_file, count(*) from rel group by 1").fetchall())
    assert landed == oracle
    for chunk in (window.CHUNK_BYTES, 5, 1):
        monkeypatch.setattr(window, "CHUNK_BYTES", chunk)
        assert reconcile(raw) == oracle


# --------------------------------------------------------------------------- issue 24: a file that changes under the landing


def jsonl(n: int, tag: str = "r") -> bytes:
    return "".join(json.dumps({"instruction": f"{tag}{k}", "output": "o"}) + "\n" for k in range(n)).encode()


def version(data: bytes) -> str:
    """How the quarantine sentence shows one version of a file."""
    return f"{len(data):,} bytes (sha256 {hashlib.sha256(data).hexdigest()})"


def land_into(db: Path, raw: Path, incremental: bool) -> dict[str, list[tuple]]:
    """Lands `raw` into raw.alpaca_cot_landing of `db` as the dbt model does (the previous table
    handed back when there is one); returns (status, code, reason, loaded_at) per file."""
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists raw")
        rel = land(con, raw, previous_table="raw.alpaca_cot_landing" if incremental else None)  # noqa: F841 - read by name below
        con.execute("create or replace table raw.next_landing as select * from rel")
        con.execute("create or replace table raw.alpaca_cot_landing as select * from raw.next_landing")
        con.execute("drop table raw.next_landing")
        got: dict[str, list[tuple]] = {}
        for row in con.execute(
            """select source_file, status, reject_reason_code, reject_reason, loaded_at
               from raw.alpaca_cot_landing order by source_file, record_index"""
        ).fetchall():
            got.setdefault(row[0], []).append(row[1:])
        return got


def raw_suite_passes(db: Path, raw: Path, tmp_path: Path) -> bool:
    """The raw layer's GX suite (its reconcile check included) on `db`, as the build runs it."""
    pytest.importorskip("great_expectations")
    from expectations.validate import validate_warehouse

    with duckdb.connect(str(db)) as con:
        (tmp_path / "eval").mkdir(exist_ok=True)
        rel = land(con, tmp_path / "eval")  # noqa: F841 - read by name below
        con.execute("create or replace table raw.eval_landing as select * from rel")
    result = validate_warehouse("raw", db, raw_root=str(raw), build_docs_site=False)
    assert result.passed, result.summary()
    return result.passed


def test_a_file_appended_to_while_it_is_landed_is_quarantined_then_landed(tmp_path, monkeypatch):
    """Appended between the hash and the read (the landing's own seam: files.sha256_file): its
    rows are not landed, one changed_during_read row shows both versions, the other file lands,
    the raw suite passes; the next landing reads it again and lands all of it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    before, after = jsonl(3), jsonl(5)
    (raw / "a.jsonl").write_bytes(before)
    (raw / "b.json").write_text(json.dumps([{"instruction": "i", "output": "o"}] * 2))
    real_sha = files.sha256_file
    appended = []

    def sha_then_append(path, *args, **kwargs):
        digest = real_sha(path, *args, **kwargs)
        if str(path).endswith("a.jsonl") and not appended:
            appended.append(path)
            with open(path, "ab") as fh:
                fh.write(after[len(before) :])
        return digest

    monkeypatch.setattr(files, "sha256_file", sha_then_append)
    db = tmp_path / "w.duckdb"
    got = land_into(db, raw, incremental=False)
    assert appended
    [(status, code, reason, _)] = got["a.jsonl"]
    assert (status, code) == ("rejected", "changed_during_read")
    assert f"{version(before)} when it was found, {version(after)} after it was read" in reason, reason
    assert [r[:2] for r in got["b.json"]] == [("landed", None)] * 2
    assert raw_suite_passes(db, raw, tmp_path)

    monkeypatch.setattr(files, "sha256_file", real_sha)  # the file holds still now
    again = land_into(db, raw, incremental=True)
    assert [r[:2] for r in again["a.jsonl"]] == [("landed", None)] * 5
    assert again["b.json"] == got["b.json"]  # kept, not read again (same loaded_at)
    assert reconcile(raw) == {"a.jsonl": 5, "b.json": 2}


def test_files_truncated_or_appended_to_during_an_incremental_landing(tmp_path, monkeypatch):
    """While one changed file is parsed (the seam: parse.parse_file), it is truncated and a file
    kept from the previous landing is appended to: both lose their rows for a changed_during_read
    row (the kept one its old rows too); the raw suite passes; the next landing lands both."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_bytes(jsonl(3))
    kept = jsonl(2, "k")
    (raw / "c.jsonl").write_bytes(kept)
    db = tmp_path / "w.duckdb"
    first = land_into(db, raw, incremental=False)
    assert {k: len(v) for k, v in first.items()} == {"a.jsonl": 3, "c.jsonl": 2}
    grown = jsonl(4)
    (raw / "a.jsonl").write_bytes(grown)  # changed before the landing: read again
    real_parse = parse.parse_file

    def parse_then_change(path, *args, **kwargs):
        real_parse(path, *args, **kwargs)
        if str(path).endswith("a.jsonl"):
            os.truncate(path, len(jsonl(1)))
            with open(raw / "c.jsonl", "ab") as fh:
                fh.write(jsonl(1, "x"))

    monkeypatch.setattr(parse, "parse_file", parse_then_change)
    got = land_into(db, raw, incremental=True)
    [(status, code, reason, _)] = got["a.jsonl"]
    assert (status, code) == ("rejected", "changed_during_read")
    assert f"{version(grown)} when it was found, {version(jsonl(1))} after it was read" in reason, reason
    [(status, code, reason, _)] = got["c.jsonl"]
    assert (status, code) == ("rejected", "changed_during_read")
    assert f"{version(kept)} when it was found, {version(kept + jsonl(1, 'x'))} after it was read" in reason
    assert raw_suite_passes(db, raw, tmp_path)

    monkeypatch.setattr(parse, "parse_file", real_parse)
    again = land_into(db, raw, incremental=True)
    assert {k: [r[:2] for r in v] for k, v in again.items()} == {
        "a.jsonl": [("landed", None)],
        "c.jsonl": [("landed", None)] * 3,
    }
    assert reconcile(raw) == {"a.jsonl": 1, "c.jsonl": 3}


def test_a_file_changed_after_it_was_landed_is_flagged_not_fatal(tmp_path, monkeypatch):
    """Changed between the landing and the raw suite's reconcile check: its rows are those of the
    version landed, which the count of what it holds now cannot check, so the suite passes with a
    warning naming it; a file that moves while reconcile counts it is reported as a version no
    landing recorded; a file that did not change is still compared."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_bytes(jsonl(3))
    (raw / "b.jsonl").write_bytes(jsonl(2))
    db = tmp_path / "w.duckdb"
    land_into(db, raw, incremental=False)
    with open(raw / "a.jsonl", "ab") as fh:
        fh.write(jsonl(2, "late"))
    pytest.importorskip("great_expectations")
    from expectations.validate import validate_warehouse

    assert raw_suite_passes(db, raw, tmp_path)
    result = validate_warehouse("raw", db, raw_root=str(raw), build_docs_site=False)
    [flag] = [f for f in result.failures if f.column == "changed_since_landed"]
    assert flag.severity == "warning" and flag.unexpected_count == 1, result.summary()
    # b.jsonl is still compared: a row lost from it blocks
    with duckdb.connect(str(db)) as con:
        con.execute("delete from raw.alpaca_cot_landing where source_file = 'b.jsonl' and record_index = 0")
    result = validate_warehouse("raw", db, raw_root=str(raw), build_docs_site=False)
    assert not result.passed
    [blocking] = [f for f in result.failures if f.severity == "error"]
    assert blocking.column == "units_difference" and blocking.sample_rows[0]["source_file"] == "b.jsonl"

    reconcile_module = importlib.import_module("sftmart.landing.reconcile")  # the package exports the function
    real_count = reconcile_module.count_jsonl_units

    b_inode = (raw / "b.jsonl").stat().st_ino

    def count_then_append(fh):
        units = real_count(fh)
        if os.fstat(fh.fileno()).st_ino == b_inode:
            with open(raw / "b.jsonl", "ab") as out:
                out.write(jsonl(1, "y"))
        return units

    monkeypatch.setattr(reconcile_module, "count_jsonl_units", count_then_append)
    seen: dict = {}
    assert reconcile(raw, seen=seen) == {"a.jsonl": 5, "b.jsonl": 2}
    size = (raw / "a.jsonl").stat()
    assert seen == {"a.jsonl": (size.st_size, size.st_mtime_ns), "b.jsonl": (-1, -1)}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_through_dbt_a_file_changed_after_its_landing_warns_not_fails(tmp_path):
    """The raw layer and its validation node in dbt: a file appended to after the landing passes
    validate_raw with a warning row naming the check, and keeps the rows of the version landed
    (the next landing reads it again: test_a_file_appended_to_while_it_is_landed_...)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_bytes(jsonl(3))
    (raw / "b.jsonl").write_bytes(jsonl(2, "b"))
    db = tmp_path / "w.duckdb"
    dbt_vars = {"raw_root": str(raw), "model_layer": False}
    run_dbt("build", db, dbt_vars, "--select", "+validate_raw")
    with open(raw / "a.jsonl", "ab") as fh:
        fh.write(jsonl(2, "late"))
    run_dbt("build", db, dbt_vars, "--select", "validate_raw")
    with duckdb.connect(str(db), read_only=True) as con:
        failed = con.execute(
            """select severity, "column" from validation.validate_raw
               where not success and validated_at = (select max(validated_at) from validation.validate_raw)"""
        ).fetchall()
        assert failed == [("warning", "changed_since_landed")]
        assert con.execute("select count(*) from raw.alpaca_cot_landing where source_file = 'a.jsonl'").fetchone() == (
            3,
        )
