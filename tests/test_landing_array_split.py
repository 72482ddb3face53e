"""One large JSON array cut into ranges of whole elements (sftmart.landing.array_split) lands
exactly what the sequential parser lands: same rows, record_ids, element indexes, byte offsets
and rejects, on real Alpaca-CoT arrays read in place and on broken and truncated arrays."""

from __future__ import annotations

import json
import random

import duckdb
import pytest
from test_landing import REAL_ROOT

from sftmart.landing import array_split, land, split, window, workers
from sftmart.landing.parse import parse_group

pytestmark = pytest.mark.skipif(not REAL_ROOT.is_dir(), reason="real Alpaca-CoT sample not available")

REAL_ARRAY = REAL_ROOT / "chinese-alpaca" / "zh-data-part-00.json"  # the largest array (3.5 MB)
MAX_RECORD = 2_000  # some real records are longer: record_too_large rows

# Elements planted among the real ones: each is a different way to be broken, or a structure
# the byte scan must follow (strings holding brackets, commas, quotes and backslashes).
ODD = [
    b'{"instruction": "x", "output": "\xff\xfe not utf-8, [not] {structure}"}',
    b'{"instruction": "lone \\ud800 surrogate", "output": "y"}',
    b'{"instruction": "esc \\" quote, \\\\", "output": "] } , [ {"}',
    b'{"instruction": "\\\\\\\\", "output": "\\\\\\""}',
    b'[1, [2, {"a": [3, "]"]}], 4]',
    b'{"instruction": "no output"}',
    b'{"instruction": 5, "output": "wrong type"}',
    b"NaN",
    b"",  # an empty element: ',,'
    b'{"instruction": "bad" "output": "missing colon"}',
    b'{"instruction": "stray", "output": "brace"}}',
    b'{"instruction": "' + "长".encode() * 1_000 + b'", "output": "over max_record_bytes"}',
    b'\n\t {"instruction": "blanks around", "input": null, "output": "ok", "meta": {"k": [1, 2]}}\r\n ',
]


def real_elements(path=REAL_ARRAY) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode() for r in json.loads(path.read_text("utf-8"))]


def broken_array(n: int, seed: int) -> bytes:
    """A BOM, then an array of real elements (some ASCII-escaped, some on several lines) with the
    ODD elements planted among them, not yet closed."""
    rng = random.Random(seed)
    reals = real_elements()
    parts = []
    for k in range(n):
        if rng.random() < 0.04:
            parts.append(rng.choice(ODD))
        else:
            rec = json.loads(reals[k % len(reals)])
            parts.append(json.dumps(rec, ensure_ascii=rng.random() < 0.3, indent=rng.choice([None, 2])).encode())
    return b"\xef\xbb\xbf [\n" + b",\n".join(parts)


def variants(n: int = 3_000) -> dict[str, bytes]:
    """Whole, broken, truncated and trailing-data arrays."""
    body = broken_array(n, seed=3)
    mid = len(body) // 2
    return {
        "closed": body + b"\n]\n",
        "trailing_data": body + b'] {"instruction": "after", "output": "the end"}, [1]',
        "closed_early": body[:mid] + b"]" + body[mid:] + b"]",  # a ']' between elements closes it
        "cut_mid_element": body[: len(body) - 37],
        "cut_after_comma": body + b",\n  ",
        "cut_after_element": body,
        "quote_flipped": body[:mid] + b'"' + body[mid:] + b"]",  # strings and structure swap from here on
    }


def staged(con, stage_path) -> list[tuple]:
    return con.execute(f"select * from '{stage_path}' order by record_index nulls first, reject_reason").fetchall()


@pytest.mark.parametrize("chunk", [window.CHUNK_BYTES, 4_093])
def test_element_ranges_parse_like_the_whole_file(tmp_path, monkeypatch, chunk):
    """Every variant cut into ~60 ranges (cuts inside multi-line elements' neighbours, after
    empty elements, near the end) gives the staged rows of one sequential pass, whatever the
    read chunk size (chunk edges in the scan and in the parse)."""
    monkeypatch.setattr(window, "CHUNK_BYTES", chunk)
    con = duckdb.connect()
    codes = set()
    for name, data in [("real", REAL_ARRAY.read_bytes()), *variants().items()]:
        path = tmp_path / f"{name}.json"
        path.write_bytes(data)
        job = (str(path), len(data), (1, path.name, "c", None, len(data), 0), None)
        parts = split.split_jobs([job], 2, 10**9, min_bytes=0, piece_bytes=len(data) // 61)
        assert len(parts) > 10, name
        assert [p[4][0] for p in parts[1:]] == [p[4][1] for p in parts[:-1]] and parts[-1][4][1] == len(data)
        assert all(data[p[4][0] - 1 : p[4][0]] == b"," for p in parts[1:])
        whole = parse_group([job], str(tmp_path / f"{name}-whole.parquet"), MAX_RECORD, 10**9)
        ranged = parse_group(parts, str(tmp_path / f"{name}-ranged.parquet"), MAX_RECORD, 10**9)
        assert whole.failures == ranged.failures == []
        expected = staged(con, whole.path)
        assert staged(con, ranged.path) == expected, name
        codes |= {
            (name, c) for (c,) in con.execute(f"select distinct reject_reason_code from '{whole.path}'").fetchall()
        }
    assert {("real", None), ("real", "record_too_large")} <= codes
    for code in ("broken_json", "invalid_utf8", "not_an_object", "missing_field", "wrong_type", "record_too_large"):
        assert ("closed", code) in codes
    for name in ("cut_mid_element", "cut_after_comma", "cut_after_element"):
        assert (name, "truncated_file") in codes
    assert ("closed", "truncated_file") not in codes


def test_what_is_not_an_array_or_too_short_stays_whole(tmp_path):
    single = tmp_path / "single.json"
    single.write_bytes(b'{"instruction": "a, b", "output": "[c]"}' + b" " * 10_000)
    one = tmp_path / "one.json"
    one.write_bytes(b'[{"instruction": "' + b"x" * 10_000 + b'", "output": "o"}]')
    jobs = [(str(p), p.stat().st_size, (k, p.name, "c", None, 0, 0), None) for k, p in enumerate((single, one))]
    assert split.split_jobs(jobs, 2, 10**9, min_bytes=0, piece_bytes=100) == jobs
    assert array_split.array_ranges(single, single.stat().st_size, 8) is None


def landed(con, root) -> list[tuple]:
    rel = land(con, root, max_record_bytes=MAX_RECORD)  # noqa: F841 - read by name in the SQL below
    return con.execute("select * exclude (loaded_at) from rel order by record_id, reject_reason nulls first").fetchall()


def test_split_array_landing_equals_the_sequential_landing(tmp_path, monkeypatch):
    """The real Chinese Alpaca folder, read in place, and a broken array beside it, landed on
    three workers with every array cut into ranges: the landing table equals the sequential one."""
    root = tmp_path / "raw"
    root.mkdir()
    (root / "broken.json").write_bytes(variants(2_000)["trailing_data"])
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setattr(workers, "PARSE_WORKERS", 1)
    expected = [landed(con, REAL_ARRAY.parent), landed(con, root)]
    names = [d[0] for d in con.description]
    monkeypatch.setattr(workers, "PARSE_WORKERS", 3)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(split, "SPLIT_MIN_BYTES", 0)
    size = REAL_ARRAY.stat().st_size
    job = (str(REAL_ARRAY), size, (1, REAL_ARRAY.name, "c", None, size, 0), None)
    assert len(split.split_jobs([job], workers.PARSE_WORKERS, 10**9)) > 3  # the split path is taken
    got = [landed(con, REAL_ARRAY.parent), landed(con, root)]
    assert got == expected
    assert len(expected[0]) == 10_021
    codes = {r[names.index("reject_reason_code")] for r in expected[1]}
    assert codes >= {"broken_json", "invalid_utf8", None}
