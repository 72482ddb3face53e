"""One large JSONL file cut into line ranges (sftmart.landing.split) lands exactly what the
sequential parser lands: same rows, record_ids, line numbers, byte offsets and rejects."""

from __future__ import annotations

import json
import random

import duckdb
import pytest
from test_landing import REAL_ROOT

from sftmart.landing import land, split, window, workers
from sftmart.landing.parse import parse_group

pytestmark = pytest.mark.skipif(not REAL_ROOT.is_dir(), reason="real Alpaca-CoT sample not available")

MAX_RECORD = 3_000  # some real chain-of-thought records are longer: record_too_large rows


def real_records() -> list[dict]:
    recs = []
    for path in sorted(REAL_ROOT.rglob("*.json*")):
        if path.suffix == ".jsonl":
            recs += [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        else:
            data = json.loads(path.read_text("utf-8"))
            recs += data if isinstance(data, list) else [data]
    return recs


BROKEN = [
    b'{"instruction": "half a record", "output": "cut',
    b'{"instruction": "x", "output": "\xff\xfe not utf-8"}',
    b'{"instruction": "lone \\ud800 surrogate", "output": "y"}',
    b"[1, 2, 3]",
    b'{"instruction": "no output"}',
    b'{"instruction": 5, "output": "wrong type"}',
    b"NaN",
    b"   ",
    b"",
    b'{"instruction": "' + b"long " * 2_000 + b'", "output": "over max_record_bytes"}',
    b'   {"instruction": "leading blanks", "output": "ok"}\t',
]


def big_jsonl(path, lines: int, seed: int = 7) -> bytes:
    """`lines` real Alpaca-CoT records as JSONL, with broken, blank, over-long, invalid UTF-8,
    CRLF and BOM lines planted among them and a last line cut off without its newline."""
    rng = random.Random(seed)
    recs = real_records()
    out = [b"\xef\xbb\xbf" + json.dumps(recs[0], ensure_ascii=False).encode() + b"\n"]
    for k in range(1, lines):
        if rng.random() < 0.03:
            line = rng.choice(BROKEN)
        else:
            line = json.dumps(recs[k % len(recs)], ensure_ascii=rng.random() < 0.2).encode()
        out.append(line + (b"\r\n" if rng.random() < 0.1 else b"\n"))
    out.append(b"\n" * 3 + b"\xef\xbb\xbf" + json.dumps(recs[1]).encode() + b"\n")  # a BOM mid-file is broken
    out.append(b" " * (MAX_RECORD + 50) + b"\n")  # an over-long blank line is no unit
    out.append(b'{"instruction": "truncated", "output": "the file ends here')
    data = b"".join(out)
    path.write_bytes(data)
    return data


def staged(con, stage_path) -> list[tuple]:
    return con.execute(f"select * from '{stage_path}' order by record_index nulls first, reject_reason").fetchall()


def test_line_ranges_parse_like_the_whole_file(tmp_path, monkeypatch):
    """Many ranges (cuts everywhere: inside CRLF lines, blank runs, over-long lines) parsed one
    by one give the same staged rows as the whole file in one pass."""
    path = tmp_path / "one.jsonl"
    data = big_jsonl(path, 6_000)
    job = (str(path), len(data), (1, "one.jsonl", "(root)", None, len(data), 0), None)
    for chunk in (window.CHUNK_BYTES, 4_093):
        monkeypatch.setattr(window, "CHUNK_BYTES", chunk)
        parts = split.split_jobs([job], 2, 10**9, min_bytes=0, piece_bytes=len(data) // 97)
        assert len(parts) > 80
        starts = [p[4][0] for p in parts]
        assert starts[0] == 0 and all(data[s - 1 : s] == b"\n" for s in starts[1:])
        assert [p[4][2] for p in parts] == [data.count(b"\n", 0, s) for s in starts]
        assert [p[4][1] for p in parts] == starts[1:] + [len(data)]
        whole = parse_group([job], str(tmp_path / f"whole-{chunk}.parquet"), MAX_RECORD, 10**9)
        ranged = parse_group(parts, str(tmp_path / f"ranged-{chunk}.parquet"), MAX_RECORD, 10**9)
        assert whole.failures == ranged.failures == []
        con = duckdb.connect()
        expected = staged(con, whole.path)
        assert staged(con, ranged.path) == expected
        codes = {r[13] for r in expected}
        assert {"broken_json", "invalid_utf8", "record_too_large", "not_an_object", "missing_field"} <= codes
        assert {"wrong_type", None} <= codes
        assert not any(r[13] == "empty_file" for r in expected)


def test_no_split_for_small_blank_or_other_files(tmp_path):
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\xef\xbb\xbf" + b"\n \r\n\t\n" * 1_000)
    arr = tmp_path / "a.json"
    arr.write_bytes(b"[" + b'{"instruction": "i", "output": "o"},' * 1_000 + b"1]")
    jobs = [(str(p), p.stat().st_size, (k, p.name, "c", None, 0, 0), None) for k, p in enumerate((blank, arr))]
    cut = split.split_jobs(jobs, 2, 10**9, min_bytes=0, piece_bytes=100)
    assert cut[0] == jobs[0]  # blank stays one empty_file
    assert len(cut) > 100 and all(job[4] for job in cut[1:])  # an array is cut between elements (array_split)
    assert split.split_jobs(jobs, 1, 10**9, min_bytes=0, piece_bytes=100) == jobs
    small = tmp_path / "small.jsonl"
    small.write_bytes(b'{"instruction": "i", "output": "o"}\n' * 1_000)
    job = [(str(small), small.stat().st_size, (3, "small.jsonl", "c", None, 0, 0), None)]
    assert split.split_jobs(job, 2, 10**9) == job  # under SPLIT_MIN_BYTES


def landed(con, root, **kw) -> list[tuple]:
    rel = land(con, root, max_record_bytes=MAX_RECORD, **kw)  # noqa: F841 - read by name in the SQL below
    return con.execute("select * exclude (loaded_at) from rel order by record_id, reject_reason nulls first").fetchall()


def test_split_landing_equals_the_sequential_landing(tmp_path, monkeypatch):
    """The landed table and the rejects of one large JSONL file parsed on every worker equal,
    row for row, those of the sequential parser (real records, broken and truncated lines)."""
    root = tmp_path / "raw"
    (root / "big").mkdir(parents=True)
    big_jsonl(root / "big" / "one.jsonl", 25_000)
    (root / "big" / "two.jsonl").write_bytes(b'{"instruction": "i", "output": "o"}\n{"instruction": "cut')
    (root / "blank.jsonl").write_bytes(b"\n\n \n" * 10_000)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setattr(workers, "PARSE_WORKERS", 1)
    expected = landed(con, root)
    monkeypatch.setattr(workers, "PARSE_WORKERS", 3)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(split, "SPLIT_MIN_BYTES", 0)
    size = (root / "big" / "one.jsonl").stat().st_size
    jobs = [(str(root / "big" / "one.jsonl"), size, (1, "big/one.jsonl", "big", None, size, 0), None)]
    assert len(split.split_jobs(jobs, workers.PARSE_WORKERS, 10**9)) > 3  # the split path is taken
    got = landed(con, root)
    assert len(got) == len(expected) > 24_000
    assert got == expected
    codes = {r[14] for r in expected}
    assert {"broken_json", "invalid_utf8", "record_too_large", "empty_file", None} <= codes
    # a worker that dies has its ranges parsed in this process: nothing lost, nothing doubled
    monkeypatch.setattr(workers.sys, "executable", "/bin/false")
    assert landed(con, root) == expected


def test_a_file_replaced_after_the_split_is_one_unreadable_row(tmp_path, monkeypatch):
    """Every range of a file swapped for another between the split and the parse fails; the
    file lands as one `unreadable_file` row and none of its ranges' rows."""
    root = tmp_path / "raw"
    root.mkdir()
    big = root / "one.jsonl"
    big_jsonl(big, 2_000)
    (root / "other.jsonl").write_bytes(b'{"instruction": "i", "output": "o"}\n')
    monkeypatch.setattr(workers, "PARSE_WORKERS", 2)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(split, "SPLIT_MIN_BYTES", 0)
    ranges = split.jsonl_ranges

    def ranges_then_swap(path, *args):
        found = ranges(path, *args)
        swap = tmp_path / "swap.jsonl"
        swap.write_bytes(big.read_bytes())
        swap.replace(path)  # same bytes, another file
        return found

    monkeypatch.setattr(split, "jsonl_ranges", ranges_then_swap)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    rows = landed(con, root)
    mine = [r for r in rows if r[2] == "one.jsonl"]
    assert [(r[3], r[14]) for r in mine] == [(None, "unreadable_file")]
    assert "replaced by another file" in mine[0][15]
    assert [r[14] for r in rows if r[2] == "other.jsonl"] == [None]
