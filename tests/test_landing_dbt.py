"""The landing model through dbt: incremental by file with dbt's own machinery (dbt.this,
is_incremental, a merge on record_id), the same rows as a landing from scratch, and
--full-refresh landing everything again."""

from __future__ import annotations

import json
import os

import duckdb
import pytest
from conftest import run_dbt
from test_landing import MAX_FILE, MAX_RECORD, build_raw

from sftmart.landing import land

SELECT = ("--select", "alpaca_cot_landing")
ORDER = "order by source_file, record_index nulls first"


def _rows(db, columns="* exclude (loaded_at)"):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select {columns} from raw.alpaca_cot_landing {ORDER}").fetchall()


def _from_scratch(raw):
    con = duckdb.connect()
    rel = land(con, raw, max_record_bytes=MAX_RECORD, max_file_bytes=MAX_FILE)  # noqa: F841 - read by name below
    return con.execute(f"select * exclude (loaded_at) from rel {ORDER}").fetchall()


@pytest.mark.timeout(600)
def test_incremental_landing_through_dbt(tmp_path):
    raw = build_raw(tmp_path / "raw")
    db = tmp_path / "warehouse.duckdb"
    dbt_vars = {"raw_root": str(raw), "max_record_bytes": MAX_RECORD, "max_file_bytes": MAX_FILE}
    run_dbt("run", db, dbt_vars, *SELECT)
    first = _rows(db, "source_file, record_index, loaded_at")
    assert _rows(db) == _from_scratch(raw)

    # a file changes, one disappears, one is only touched: the merge leaves exactly the rows
    # of a landing from scratch, and the untouched files keep their loaded_at
    (raw / "alpaca/single.json").write_text(json.dumps({"instruction": "new", "output": "content"}))
    (raw / "broken/mixed.json").unlink()
    st = (raw / "alpaca/lines.jsonl").stat()
    os.utime(raw / "alpaca/lines.jsonl", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    out = run_dbt("run", db, dbt_vars, *SELECT)
    assert "incremental" in out.lower()
    assert _rows(db) == _from_scratch(raw)
    second = {(f, i): t for f, i, t in _rows(db, "source_file, record_index, loaded_at")}
    redone = ("alpaca/single.json", "broken/mixed.json", "broken/dangling.json")  # unreadable: retried
    kept = {(f, i): t for f, i, t in first if f not in redone}
    assert {k: second[k] for k in kept} == kept
    assert second[("alpaca/single.json", 0)] > first[0][2]
    assert not any(f == "broken/mixed.json" for f, _ in second)

    # --full-refresh lands every file again
    run_dbt("run", db, dbt_vars, *SELECT, "--full-refresh")
    assert _rows(db) == _from_scratch(raw)
    third = {(f, i): t for f, i, t in _rows(db, "source_file, record_index, loaded_at")}
    assert all(third[k] > t for k, t in kept.items())
