"""Tests for sftmart.landing: the raw landing of Alpaca-CoT files."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest
from landing_oracle import count_units
from test_landing_special_files import SCAN_CODES

from sftmart.landing import LANDING_COLUMNS, REASON_CODES, files, land, parse, reconcile, sql, window, workers

MAX_RECORD = 2_000
MAX_FILE = 50_000
TABLE = "raw.alpaca_cot_landing"
REAL_ROOT = Path("/work/shared/data/alpaca-cot")


# --------------------------------------------------------------------------- fixture folder


def _w(root: Path, rel: str, data) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def _j(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


GOOD_ARRAY = [
    {"instruction": "给出三个保持健康的秘诀。", "input": "", "output": "1.均衡饮食，多吃水果和蔬菜。"},
    {"instruction": "Translate to French", "output": "ok"},
    {"instruction": "Q", "input": None, "output": "A", "extra": [1, 2]},
    {
        "instruction": "带meta的记录",
        "input": "x",
        "output": "y",
        "meta": {"Dataset": "xP3", "Lang": "zh", "n": 1, "nested": {"a": [True, None]}},
    },
]
SINGLE = {"instruction": "单条记录", "input": "上下文", "output": "回答", "meta": [1, "two"]}
JSONL_GOOD = [
    {
        "instruction": "2017年5月24日 True or False?",
        "input": "",
        "output": "True",
        "meta": {"Dataset": "xP3", "IFT": True},
        "text": "ignored",
    },
    {"instruction": "撰寫一段ASCII圖示", "output": "\\  |  \\/"},
    {"instruction": "third", "input": "in", "output": "out"},
]

# (source_file, record_index) -> (status, reason code)
EXPECTED: dict[tuple[str, int | None], tuple[str, str | None]] = {}


def _expect(rel, index, code=None):
    EXPECTED[(rel, index)] = ("landed", None) if code is None else ("rejected", code)


for i in range(4):
    _expect("alpaca/good_array.json", i)
_expect("alpaca/single.json", 0)
_expect("alpaca/lines.jsonl", 0)
_expect("alpaca/lines.jsonl", 2)  # line 2 is blank
_expect("alpaca/lines.jsonl", 3)
_expect("top.json", 0)
MIXED_CODES = [
    None,
    "broken_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "invalid_utf8",
    "invalid_utf8",
    "record_too_large",
    "missing_field",
    "wrong_type",
    None,
    "broken_json",
    "broken_json",
    None,
]
for i, c in enumerate(MIXED_CODES):
    _expect("broken/mixed.json", i, c)
LINES_CODES = {
    0: None,
    1: "broken_json",
    2: "not_an_object",
    3: "missing_field",
    4: "wrong_type",
    5: "invalid_utf8",
    6: "invalid_utf8",
    7: "record_too_large",
    9: "broken_json",
    10: None,
    11: "wrong_type",
}  # index 8 is a blank line
for i, c in LINES_CODES.items():
    _expect("broken/lines.jsonl", i, c)
_expect("broken/truncated.json", 0)
_expect("broken/truncated.json", 1)
_expect("broken/truncated.json", 2, "truncated_file")
_expect("broken/truncated_after.json", 0)
_expect("broken/truncated_after.json", 1, "truncated_file")
_expect("broken/trailing.json", 0)
_expect("broken/trailing.json", 1, "broken_json")
_expect("broken/missing_comma.json", 0, "broken_json")
_expect("broken/missing_comma.json", 1)
_expect("broken/empty.json", None, "empty_file")
_expect("broken/blank.jsonl", None, "empty_file")
_expect("broken/empty_array.json", None, "empty_file")
_expect("broken/notes.txt", None, "unsupported_file_type")
_expect("broken/huge.json", None, "file_too_large")
_expect("broken/dangling.json", None, "unreadable_file")
_expect("broken/scalar.json", 0, "not_an_object")
_expect("broken/single_broken.json", 0, "broken_json")
_expect("broken/bad_bytes_single.json", 0, "invalid_utf8")
_expect("broken/big_single.json", 0, "record_too_large")
_expect("alpaca/bom.json", 0)
_expect("alpaca/bom.jsonl", 0)
# multiple-choice records (sftmart/landing/choices.py): index, option text, letter; then malformed ones
CHOICES = [
    ({"instruction": "2+2?", "output": "4", "options": ["3", "4"], "answer": 1}, None),
    ({"instruction": "Sky?", "output": "blue", "options": ["red", "blue"], "answer": "blue"}, None),
    ({"instruction": "Sky?", "output": "blue", "options": ["red", "blue"], "answer": "b"}, None),
    ({"instruction": "x", "output": "y", "options": "red, blue", "answer": 0}, "malformed_options"),
    ({"instruction": "x", "output": "y", "options": ["red", "red"], "answer": 0}, "malformed_options"),
    ({"instruction": "x", "output": "y", "answer": "A"}, "malformed_options"),
    ({"instruction": "x", "output": "y", "options": ["red", "blue"], "answer": 2}, "malformed_answer"),
    ({"instruction": "x", "output": "y", "options": ["red", "blue"], "answer": "C"}, "malformed_answer"),
    ({"instruction": "x", "output": "y", "options": ["red", "blue"]}, "malformed_answer"),
]
for i, (_, c) in enumerate(CHOICES):
    _expect("choices/mc.jsonl", i, c)


def build_raw(root: Path) -> Path:
    _w(root, "alpaca/good_array.json", json.dumps(GOOD_ARRAY, ensure_ascii=False, indent=2))
    _w(root, "alpaca/single.json", _j(SINGLE))
    _w(root, "alpaca/lines.jsonl", _j(JSONL_GOOD[0]) + "\n\n" + _j(JSONL_GOOD[1]) + "\r\n" + _j(JSONL_GOOD[2]) + "\n")
    _w(root, "top.json", '[{"instruction": "root", "input": "", "output": "level"}]')

    big = _j({"instruction": "a" * 3000, "output": "y"})
    mixed = [
        _j({"instruction": "first", "input": "", "output": "ok"}).encode(),
        b'{"instruction": "x", "output": tru}',
        b"42",
        b'{"instruction": "x"}',
        b'{"instruction": "x", "input": 5, "output": "y"}',
        b'{"instruction": "bad \xff\xfe bytes", "output": "y"}',
        b'{"instruction": "lone \\ud800 esc", "output": "y"}',
        big.encode(),
        b'{"instruction": null, "output": "y"}',
        b'{"instruction": ["list"], "output": "y"}',
        '{"instruction": "笑 \\ud83d\\ude00", "output": "中文"}'.encode(),
        b"",
        b'{"instruction": "nan", "output": "y", "meta": NaN}',
        b'{"instruction": "last", "output": "\\u00e9t\\u00e9"}',
    ]
    _w(root, "broken/mixed.json", b"[\n  " + b",\n  ".join(mixed) + b"\n]\n")

    lines = [
        _j({"instruction": "l0", "input": "", "output": "o0"}).encode(),
        b'{"instruction": "x", "output": }',
        b'["not", "object"]',
        b'{"output": "y"}',
        b'{"instruction": "x", "output": 12}',
        b'{"instruction": "caf\xe9", "output": "y"}',
        b'{"instruction": "\\udc00", "output": "y"}',
        _j({"instruction": "b" * 2500, "output": "y"}).encode(),
        b"   ",
        b'{"instruction": "x", "output": "y", "meta": Infinity}',
        _j({"instruction": "l10", "output": "o10", "meta": {"k": "中文"}}).encode(),
        b'{"instruction": "x", "input": {"a": 1}, "output": "y"}',
    ]
    _w(root, "broken/lines.jsonl", b"\n".join(lines))  # no final newline
    _w(
        root,
        "broken/truncated.json",
        '[{"instruction":"a","input":"","output":"b"}, {"instruction":"c","output":"d"}, {"instruction": "cut her',
    )
    _w(root, "broken/truncated_after.json", '[{"instruction":"a","output":"b"}')
    _w(root, "broken/trailing.json", '[{"instruction":"a","output":"b"}] garbage')
    _w(
        root,
        "broken/missing_comma.json",
        '[{"instruction":"a","output":"b"} {"instruction":"c","output":"d"}, {"instruction":"e","output":"f"}]',
    )
    _w(root, "broken/empty.json", b"")
    _w(root, "broken/blank.jsonl", b"\n  \n\t\n")
    _w(root, "broken/empty_array.json", "[ ]\n")
    _w(root, "broken/notes.txt", "just some notes\n")
    _w(root, "broken/huge.json", json.dumps([{"instruction": "h" * 1000, "output": "y"}] * 60))
    os.symlink(root / "broken" / "does-not-exist.json", root / "broken" / "dangling.json")
    _w(root, "broken/scalar.json", '"just a string"')
    _w(root, "broken/single_broken.json", '{"instruction": "x", "output": ')
    _w(root, "broken/bad_bytes_single.json", b'{"instruction": "\xc3\x28", "output": "y"}')
    _w(root, "broken/big_single.json", _j({"instruction": "s" * 3000, "output": "y"}))
    bom_record = {"instruction": "bom", "output": "ok"}
    _w(root, "alpaca/bom.json", b"\xef\xbb\xbf" + _j([bom_record]).encode())
    _w(root, "alpaca/bom.jsonl", b"\xef\xbb\xbf" + _j(bom_record).encode())
    _w(root, "choices/mc.jsonl", "\n".join(_j(r) for r, _ in CHOICES) + "\n")
    _w(root, ".hidden.json", '[{"instruction": "h", "output": "h"}]')
    _w(root, ".git/config.json", '[{"instruction": "h", "output": "h"}]')
    return root


# --------------------------------------------------------------------------- helpers


@pytest.fixture()
def raw(tmp_path) -> Path:
    return build_raw(tmp_path / "raw")


@pytest.fixture()
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    c.execute("create schema if not exists raw")
    yield c
    c.close()


def run_land(con, root, previous=True, **kw):
    """Land and materialise the way dbt does (CREATE TABLE AS SELECT * FROM relation)."""
    kw.setdefault("max_record_bytes", MAX_RECORD)
    kw.setdefault("max_file_bytes", MAX_FILE)
    rel = land(con, root, previous_table=TABLE if previous else None, **kw)  # noqa: F841 - read by name in the SQL below
    con.execute(f"create or replace table {TABLE} as select * from rel")
    return fetch(con)


def fetch(con, table=TABLE) -> list[dict]:
    cur = con.execute(f"select * from {table} order by source_file, record_index nulls first")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def without_loaded_at(rows):
    return [{k: v for k, v in r.items() if k != "loaded_at"} for r in rows]


def by_key(rows):
    return {(r["source_file"], r["record_index"]): r for r in rows}


def md5(s: str) -> str:
    return hashlib.md5(s.encode("utf-8")).hexdigest()


class Spy:
    def __init__(self, monkeypatch, module, name):
        self.calls = []
        real = getattr(module, name)

        def wrapper(path, *a, **k):
            self.calls.append(Path(path).name)
            return real(path, *a, **k)

        monkeypatch.setattr(module, name, wrapper)


# --------------------------------------------------------------------------- tests


def test_every_record_is_landed_or_rejected_with_the_expected_code(con, raw):
    rows = run_land(con, raw)
    got = {(r["source_file"], r["record_index"]): (r["status"], r["reject_reason_code"]) for r in rows}
    assert got == EXPECTED
    assert len(rows) == len(got)  # one row per unit
    # the codes the scan gives without reading are tested in test_landing_special_files, a file
    # that changes while it is landed in test_landing_reconcile
    assert {c for _, c in EXPECTED.values() if c} | SCAN_CODES | {"changed_during_read"} == set(REASON_CODES)

    # counts reconcile exactly, file by file
    per_file: dict[str, int] = {}
    for r in rows:
        per_file[r["source_file"]] = per_file.get(r["source_file"], 0) + 1
    assert per_file == reconcile(raw, max_file_bytes=MAX_FILE)

    # schema and row shape
    cols = con.execute(f"describe {TABLE}").fetchall()
    assert [(c[0], c[1]) for c in cols] == LANDING_COLUMNS
    for r in rows:
        index = "" if r["record_index"] is None else r["record_index"]
        assert r["record_id"] == md5(f"{r['source_file']}:{index}")[:16]
        assert r["source_collection"] == (r["source_file"].split("/")[0] if "/" in r["source_file"] else "(root)")
        if r["status"] == "rejected":
            assert r["reject_reason"] and r["instruction"] is None and r["content_hash"] is None
        else:
            assert r["reject_reason"] is None and r["reject_reason_code"] is None
            assert r["content_hash"] == md5(r["instruction"] + "\x1f" + r["input"] + "\x1f" + r["output"])
    assert len({r["record_id"] for r in rows}) == len(rows)


def test_good_records_land_with_their_fields(con, raw):
    rows = by_key(run_land(con, raw))
    for i, rec in enumerate(GOOD_ARRAY):
        r = rows[("alpaca/good_array.json", i)]
        assert (r["instruction"], r["input"], r["output"]) == (
            rec["instruction"],
            rec.get("input") or "",
            rec["output"],
        )
        assert r["line_number"] is None
        assert (json.loads(r["meta"]) if r["meta"] is not None else None) == rec.get("meta")
    s = rows[("alpaca/single.json", 0)]
    assert (s["instruction"], s["input"], s["output"], json.loads(s["meta"])) == (
        SINGLE["instruction"],
        SINGLE["input"],
        SINGLE["output"],
        SINGLE["meta"],
    )
    for rec, idx in zip(JSONL_GOOD, (0, 2, 3)):
        r = rows[("alpaca/lines.jsonl", idx)]
        assert r["line_number"] == idx + 1
        assert (r["instruction"], r["input"], r["output"]) == (rec["instruction"], rec.get("input", ""), rec["output"])
    assert json.loads(rows[("alpaca/lines.jsonl", 0)]["meta"]) == JSONL_GOOD[0]["meta"]
    assert rows[("alpaca/lines.jsonl", 2)]["meta"] is None
    assert rows[("top.json", 0)]["source_collection"] == "(root)"
    assert rows[("broken/mixed.json", 10)]["instruction"] == "笑 \U0001f600"
    assert rows[("broken/mixed.json", 13)]["output"] == "été"
    assert rows[("broken/lines.jsonl", 10)]["line_number"] == 11
    # meta is a real JSON column
    assert con.execute(
        f"select meta->>'Dataset' from {TABLE} where source_file = 'alpaca/lines.jsonl' and record_index = 0"
    ).fetchall() == [("xP3",)]
    # file attributes
    for rel in ("alpaca/good_array.json", "broken/mixed.json", "broken/notes.txt"):
        path = raw / rel
        r = next(r for r in rows.values() if r["source_file"] == rel)
        assert r["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert r["file_size"] == path.stat().st_size
        assert r["file_mtime_ns"] == path.stat().st_mtime_ns
    assert rows[("broken/huge.json", None)]["file_sha256"] is None  # never read
    assert not any(r["source_file"].startswith(".") or "/." in r["source_file"] for r in rows.values())


def test_reject_reasons_say_what_and_where(con, raw):
    rows = by_key(run_land(con, raw))
    mixed = lambda i: rows[("broken/mixed.json", i)]  # noqa: E731
    lines = lambda i: rows[("broken/lines.jsonl", i)]  # noqa: E731
    data = (raw / "broken/mixed.json").read_bytes()
    bad = mixed(5)
    assert "0xff" in bad["reject_reason"]
    ff_at = data.index(b"\xff")
    assert f"byte offset {ff_at}" in bad["reject_reason"]
    assert "\\xff\\xfe" in bad["excerpt"]
    assert "surrogate" in mixed(6)["reject_reason"] and "'instruction'" in mixed(6)["reject_reason"]
    assert "over the limit of 2,000 bytes" in mixed(7)["reject_reason"]
    assert len(mixed(7)["excerpt"]) == 200
    assert "'input'" in mixed(4)["reject_reason"] and "number" in mixed(4)["reject_reason"]
    assert "'output'" in mixed(3)["reject_reason"] and "missing" in mixed(3)["reject_reason"]
    assert "'instruction'" in mixed(8)["reject_reason"] and "null" in mixed(8)["reject_reason"]
    assert "array" in mixed(9)["reject_reason"]
    assert "empty" in mixed(11)["reject_reason"]
    assert "NaN" in mixed(12)["reject_reason"]
    assert mixed(1)["excerpt"] == '{"instruction": "x", "output": tru}'
    off = data.index(b"tru}")
    assert f"byte offset {off}" in mixed(1)["reject_reason"]

    ldata = (raw / "broken/lines.jsonl").read_bytes()
    assert lines(1)["line_number"] == 2 and "line 2" in lines(1)["reject_reason"]
    brace_at = ldata.index(b"}", ldata.index(b'"output": }'))
    e9_at = ldata.index(b"\xe9")
    assert f"byte offset {brace_at}" in lines(1)["reject_reason"]
    assert f"0xe9 at byte offset {e9_at}" in lines(5)["reject_reason"]
    assert lines(5)["excerpt"] == '{"instruction": "caf\\xe9", "output": "y"}'
    assert "surrogate" in lines(6)["reject_reason"]
    assert "2,5" in lines(7)["reject_reason"]  # its size
    assert "Infinity" in lines(9)["reject_reason"]
    assert "'input'" in lines(11)["reject_reason"] and "object" in lines(11)["reject_reason"]

    assert "the file ends" in rows[("broken/truncated.json", 2)]["reject_reason"]
    assert "after the closing ']'" in rows[("broken/trailing.json", 1)]["reject_reason"]
    assert "50,000" in rows[("broken/huge.json", None)]["reject_reason"]
    assert rows[("broken/notes.txt", None)]["excerpt"] == "just some notes\n"
    assert "string" in rows[("broken/scalar.json", 0)]["reject_reason"]
    assert "0xc3" in rows[("broken/bad_bytes_single.json", 0)]["reject_reason"]


def test_tiny_read_chunks_give_the_same_rows(con, raw, monkeypatch):
    """Chunk boundaries (inside strings, escapes, multi-byte characters) change nothing."""
    expected = without_loaded_at(run_land(con, raw, previous=False))
    monkeypatch.setattr(window, "CHUNK_BYTES", 7)
    assert without_loaded_at(run_land(con, raw, previous=False)) == expected
    monkeypatch.setattr(window, "CHUNK_BYTES", 1)
    assert without_loaded_at(run_land(con, raw, previous=False)) == expected


def test_incremental_runs(con, raw, monkeypatch):
    first = run_land(con, raw)

    # 1. nothing changed: no file is opened, same table, loaded_at preserved
    parse_spy, sha = Spy(monkeypatch, parse, "parse_file"), Spy(monkeypatch, files, "sha256_file")
    second = run_land(con, raw)
    assert parse_spy.calls == [] and sha.calls == []
    assert without_loaded_at(second) == without_loaded_at(first)
    keep = [r for r in first if r["reject_reason_code"] != "unreadable_file"]
    assert [r for r in second if r["reject_reason_code"] != "unreadable_file"] == keep

    # 2. mtime touched, content unchanged: hashed, not parsed; rows kept with the new mtime
    path = raw / "alpaca/lines.jsonl"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    third = run_land(con, raw)
    assert parse_spy.calls == [] and sha.calls == ["lines.jsonl"]
    for old, new in zip(first, third):
        if old["source_file"] == "alpaca/lines.jsonl":
            assert new["file_mtime_ns"] == st.st_mtime_ns + 5_000_000_000
            assert new["loaded_at"] == old["loaded_at"]
            old = dict(old, file_mtime_ns=new["file_mtime_ns"])
        if old["reject_reason_code"] != "unreadable_file":
            assert new == old

    # 2b. many touched files at once take the join path instead of a CASE
    monkeypatch.setattr(sql, "CASE_LIMIT", 0)
    path2 = raw / "alpaca/good_array.json"
    st2 = path2.stat()
    os.utime(path2, ns=(st2.st_atime_ns, st2.st_mtime_ns + 7))
    third_b = by_key(run_land(con, raw))
    assert parse_spy.calls == [] and sha.calls == ["lines.jsonl", "good_array.json"]
    assert third_b[("alpaca/good_array.json", 0)]["file_mtime_ns"] == st2.st_mtime_ns + 7
    assert third_b[("alpaca/lines.jsonl", 0)]["file_mtime_ns"] == st.st_mtime_ns + 5_000_000_000
    assert third_b[("alpaca/good_array.json", 0)]["loaded_at"] == first[0]["loaded_at"]

    # 3. a file changes: its rows are replaced, the others stay
    sha.calls.clear()
    _w(raw, "alpaca/single.json", _j({"instruction": "new", "output": "content"}))
    os.utime(raw / "alpaca/single.json", ns=(1, 2))
    fourth = by_key(run_land(con, raw))
    assert parse_spy.calls == ["single.json"]
    assert fourth[("alpaca/single.json", 0)]["instruction"] == "new"
    assert fourth[("alpaca/single.json", 0)]["file_mtime_ns"] == 2
    assert fourth[("alpaca/single.json", 0)]["loaded_at"] > first[0]["loaded_at"]

    # 4. a file disappears: its rows go
    parse_spy.calls.clear()
    (raw / "broken/mixed.json").unlink()
    fifth = run_land(con, raw)
    assert parse_spy.calls == []
    assert not any(r["source_file"] == "broken/mixed.json" for r in fifth)
    assert len(fifth) == len(fourth) - len(MIXED_CODES)

    # 5. the incremental table equals a from-scratch landing of the same folder
    fresh = duckdb.connect()
    rel = land(fresh, raw, max_record_bytes=MAX_RECORD, max_file_bytes=MAX_FILE)  # noqa: F841 - read by name in the SQL below
    fresh.execute("create table t as select * from rel")
    assert without_loaded_at(fetch(fresh, "t")) == without_loaded_at(fifth)


def test_previous_table_missing_or_foreign(con, raw):
    rel = land(con, raw, previous_table="raw.does_not_exist", max_file_bytes=MAX_FILE)  # noqa: F841 - read by name in the SQL below
    assert rel.aggregate("count(*)").fetchall()[0][0] == len(EXPECTED)
    con.execute("create table raw.other as select 1 as x")
    with pytest.warns(UserWarning):
        rel = land(con, raw, previous_table="raw.other", max_file_bytes=MAX_FILE)  # noqa: F841 - read by name in the SQL below
    assert rel.aggregate("count(*)").fetchall()[0][0] == len(EXPECTED)


def test_empty_root_and_missing_root(con, tmp_path):
    (tmp_path / "empty").mkdir()
    rows = run_land(con, tmp_path / "empty")
    assert rows == []
    assert [(c[0], c[1]) for c in con.execute(f"describe {TABLE}").fetchall()] == LANDING_COLUMNS
    with pytest.raises(FileNotFoundError):
        land(con, tmp_path / "nope")


def test_unreadable_file_mid_way(con, raw, monkeypatch):
    """An OSError while reading a file drops whatever it staged and rejects the file."""
    real = parse.parse_file

    def flaky(path, size, fid, sink, *a):
        if Path(path).name == "good_array.json":
            sink.landed(fid, 0, None, "i", "", "o", None)
            raise OSError(5, "Input/output error")
        return real(path, size, fid, sink, *a)

    monkeypatch.setattr(parse, "parse_file", flaky)
    rows = [r for r in run_land(con, raw) if r["source_file"] == "alpaca/good_array.json"]
    assert [(r["record_index"], r["reject_reason_code"]) for r in rows] == [(None, "unreadable_file")]
    assert "Input/output error" in rows[0]["reject_reason"]


@pytest.mark.skipif(not REAL_ROOT.is_dir(), reason="real Alpaca-CoT sample not available")
def test_real_alpaca_cot_folder(con):
    rel = land(con, REAL_ROOT, previous_table=TABLE)  # noqa: F841 - read by name in the SQL below
    con.execute(f"create or replace table {TABLE} as select * from rel")
    got = dict(
        ((c, s), n)
        for c, s, n in con.execute(f"select source_collection, status, count(*) from {TABLE} group by all").fetchall()
    )
    assert got == {
        ("chain-of-thought", "landed"): 22_825,
        ("chinese-alpaca", "landed"): 10_021,
        ("xp3-zh-sample", "landed"): 11,
    }
    per_file = dict(con.execute(f"select source_file, count(*) from {TABLE} group by all").fetchall())
    assert per_file == reconcile(REAL_ROOT)
    assert con.execute(f"select count(*) from {TABLE} where meta is not null").fetchall() == [(11,)]


def test_fuzzed_files_reconcile_and_never_raise(tmp_path, monkeypatch):
    """Randomly damaged files: every unit is accounted for, whatever the read chunk size."""
    import random

    rng = random.Random(20240521)
    root = tmp_path / "fuzz"
    root.mkdir()
    records = [
        {
            "instruction": f'指令 {i} "q" \\ x',
            "input": rng.choice(["", None, "输入", 5]),
            "output": f"out\n{i}",
            "meta": {"a": [i, {"b": "c]}"}]},
        }
        for i in range(6)
    ]
    alphabet = b'[]{},"\\: \n\xff\xe4\xb8a0'
    for k in range(80):
        ext = rng.choice([".json", ".json", ".jsonl"])
        if ext == ".json":
            data = json.dumps(records, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1])).encode()
        else:
            data = b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in records)
        data = bytearray(data)
        for _ in range(rng.randint(0, 4)):
            op, pos = rng.random(), rng.randrange(len(data) + 1)
            if op < 0.35:
                del data[pos : pos + rng.randint(1, 5)]
            elif op < 0.75:
                data[pos:pos] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 3)))
            elif op < 0.85:
                del data[pos:]
        (root / f"f{k:03d}{ext}").write_bytes(bytes(data))
    expected = reconcile(root)
    # the oracle is a separate whole-file tokenizer; reconcile reuses the landing's parser
    assert expected == {f.name: count_units(f) for f in root.iterdir()}
    results = []
    for chunk in (window.CHUNK_BYTES, 3):
        monkeypatch.setattr(window, "CHUNK_BYTES", chunk)
        con = duckdb.connect()
        rel = land(con, root, max_record_bytes=150)  # noqa: F841 - read by name in the SQL below
        rows = con.execute(
            "select * exclude (loaded_at) from rel order by source_file, record_index nulls first"
        ).fetchall()
        counts: dict[str, int] = {}
        for r in rows:
            counts[r[2]] = counts.get(r[2], 0) + 1
        assert counts == expected
        assert not any(r[14] is not None and "landing code failed" in r[15] for r in rows)
        results.append(rows)
    assert results[0] == results[1]
    codes = {r[14] for r in results[0]}
    assert {"broken_json", "truncated_file", "invalid_utf8", None} <= codes


def test_worker_processes_land_the_same_rows(con, raw, monkeypatch):
    """Files parsed in PARSE_WORKERS child processes land exactly what one process lands."""
    expected = without_loaded_at(run_land(con, raw, previous=False))
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(workers, "PARSE_WORKERS", 3)
    assert without_loaded_at(run_land(con, raw, previous=False)) == expected
    # a worker that dies is redone in this process, nothing lost
    monkeypatch.setattr(workers.sys, "executable", "/bin/false")
    assert without_loaded_at(run_land(con, raw, previous=False)) == expected


def test_a_worker_stages_its_rows_without_duckdb(raw, tmp_path):
    """A worker (`python -m sftmart.landing`) needs no DuckDB (it would add to every worker's
    start); it stages its rows in Parquet and reports them on stdout."""
    import subprocess
    import sys

    found = sorted(raw.rglob("*.jsonl"))
    task = {
        "jobs": [
            [str(f), f.stat().st_size, [k, f.name, "c", None, f.stat().st_size, 0], None] for k, f in enumerate(found)
        ],
        "stage_path": str(tmp_path / "stage.parquet"),
        "max_record_bytes": 1_000_000,
        "max_file_bytes": 10_000_000,
    }
    script = (
        "import sys; from sftmart.landing import workers; workers.main(); "
        "print('imported', [m for m in ('duckdb',) if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(task),
        text=True,
        capture_output=True,
        check=True,
        cwd=Path(workers.__file__).parents[2],
    )
    assert "imported []" in done.stdout
    result = json.loads(done.stdout.split("result ", 1)[1].splitlines()[0])
    assert result["failures"] == [] and result["rows"] > 0
    assert duckdb.sql(f"select count(*) from '{tmp_path / 'stage.parquet'}'").fetchall() == [(result["rows"],)]


def test_groups_balance_bytes_and_keep_every_file():
    jobs = [(f"f{i}", size, (i, f"f{i}"), None) for i, size in enumerate([90, 10, 50, 40, 30, 5])]
    groups = workers.balanced_groups(jobs, 2)
    assert sorted(j for g in groups for j in g) == sorted(jobs)
    assert sorted(sum(job[1] for job in g) for g in groups) == [105, 120]  # greedy, largest first


def test_choices_land_as_options_and_a_0_based_answer_index(con, raw):
    """`options` are kept as JSON; `answer` (index, option text or letter) becomes answer_index."""
    rows = [r for r in run_land(con, raw) if r["source_file"] == "choices/mc.jsonl"]
    landed = [(json.loads(r["options"]), r["answer_index"]) for r in rows if r["status"] == "landed"]
    assert landed == [(["3", "4"], 1), (["red", "blue"], 1), (["red", "blue"], 1)]
    reasons = [r["reject_reason"] for r in rows if r["status"] == "rejected"]
    assert "line 4: field 'options' is a JSON string, expected an array of strings" in reasons
    assert "line 8: answer 'C' is neither one of the 2 options nor a letter A to B" in reasons
    assert all(r["options"] is None and r["answer_index"] is None for r in rows if r["status"] == "rejected")
    # records without choices carry none
    assert {(r["options"], r["answer_index"]) for r in fetch(con) if r["source_file"] == "top.json"} == {(None, None)}
