"""Issue 14, finding 5: the raw suite's reconciliation streams, within a memory bound like the
landing's, and counts what the landing lands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from landing_oracle import count_units

from sftmart.landing import land, reconcile, window

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
