"""Issue 14, finding 4: only regular files inside raw_root are read.

FIFOs, devices and sockets are quarantined unopened (a FIFO must not hang the landing), links
that leave raw_root are quarantined unread unless follow_external_symlinks is set, and a file
name that is not UTF-8 is quarantined with the name shown as valid UTF-8 text.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from sftmart.landing import land, reconcile

pytestmark = pytest.mark.timeout(60)

SECRET = "TOP-SECRET-7f3a9c"
SCAN_CODES = {"not_a_regular_file", "symlink_outside_root", "non_utf8_file_name"}
RECORD = {"instruction": "i", "input": "", "output": "o"}
BAD_NAME = b"bad\xffname.jsonl"


def _line(obj) -> bytes:
    return json.dumps(obj).encode() + b"\n"


@pytest.fixture()
def hostile(tmp_path) -> Path:
    """A raw folder with one good file and every kind of entry that must not be read."""
    raw = tmp_path / "raw"
    (raw / "col" / "sub").mkdir(parents=True)
    (raw / "col" / "good.jsonl").write_bytes(_line(RECORD))
    (raw / "col" / "sub" / "inner.jsonl").write_bytes(_line(RECORD) * 2)
    os.mkfifo(raw / "col" / "pipe.jsonl")
    os.symlink("/dev/zero", raw / "col" / "zero.jsonl")
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    (secret_dir / "secret.json").write_text(json.dumps([{"instruction": SECRET, "output": SECRET}] * 3))
    os.symlink(secret_dir / "secret.json", raw / "col" / "outside.json")
    os.symlink(secret_dir, raw / "col" / "outdir")  # a folder outside
    os.symlink(raw / "col" / "sub", raw / "col" / "alias")  # a folder inside
    os.symlink(raw / "col" / "sub" / "inner.jsonl", raw / "col" / "inlink.jsonl")
    with open(os.fsencode(raw / "col") + b"/" + BAD_NAME, "wb") as fh:
        fh.write(_line(RECORD))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(raw / "col" / "sock.json"))
    yield raw
    sock.close()


def _land(con, raw, **kw):
    rel = land(con, raw, previous_table="raw.landing", **kw)  # noqa: F841 - read by name in the SQL below
    con.execute("create or replace table raw.landing as select * from rel")
    cur = con.execute("select * from raw.landing order by source_file, record_index")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _codes(rows) -> dict[str, set]:
    out: dict[str, set] = {}
    for r in rows:
        out.setdefault(r["source_file"], set()).add(r["reject_reason_code"])
    return out


def test_special_entries_are_quarantined_unread(hostile, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    rows = _land(con, hostile)
    assert _codes(rows) == {
        "col/good.jsonl": {None},
        "col/sub/inner.jsonl": {None},
        "col/inlink.jsonl": {None},  # a link that stays inside is a regular file
        "col/pipe.jsonl": {"not_a_regular_file"},
        "col/zero.jsonl": {"not_a_regular_file"},
        "col/sock.json": {"not_a_regular_file"},
        "col/outside.json": {"symlink_outside_root"},
        "col/outdir": {"symlink_outside_root"},
        "col/bad\\xffname.jsonl": {"non_utf8_file_name"},
    }
    reasons = {r["source_file"]: r["reject_reason"] for r in rows if r["reject_reason"]}
    assert "FIFO" in reasons["col/pipe.jsonl"]
    assert "character device" in reasons["col/zero.jsonl"]
    assert "socket" in reasons["col/sock.json"]
    assert "outside raw_root" in reasons["col/outside.json"]
    assert "bad\\xffname.jsonl" in reasons["col/bad\\xffname.jsonl"]
    assert all(r["excerpt"] is None for r in rows if r["reject_reason_code"] in SCAN_CODES)

    # every stored string is valid UTF-8 (Arrow would refuse it otherwise), and the secret
    # behind the outside link is nowhere in the warehouse
    table = con.sql("select * from raw.landing").to_arrow_table()
    for column in table.columns:
        if pa.types.is_string(column.type):
            column.validate(full=True)
    assert SECRET not in repr(con.execute("select * from raw.landing").fetchall())
    con.close()
    assert SECRET.encode() not in db.read_bytes()

    # the validation's per-file counts see the same entries and the same safe names
    per_file: dict[str, int] = {}
    for r in rows:
        per_file[r["source_file"]] = per_file.get(r["source_file"], 0) + 1
    assert reconcile(hostile) == per_file


def test_following_external_links_is_a_choice(hostile):
    con = duckdb.connect()
    con.execute("create schema raw")
    rows = _land(con, hostile, follow_external_symlinks=True)
    codes = _codes(rows)
    assert codes["col/outside.json"] == {None}
    assert sum(r["source_file"] == "col/outside.json" for r in rows) == 3
    assert codes["col/zero.jsonl"] == {"not_a_regular_file"}  # a device is never read
    assert codes["col/outdir"] == {"symlink_outside_root"}  # folders are never followed
    per_file: dict[str, int] = {}
    for r in rows:
        per_file[r["source_file"]] = per_file.get(r["source_file"], 0) + 1
    assert reconcile(hostile, follow_external_symlinks=True) == per_file


def test_a_special_file_that_takes_a_files_place_after_the_scan_is_not_read(tmp_path):
    """The open itself refuses what is not the regular file the scan saw (no hang on a FIFO)."""
    from sftmart.landing.files import open_regular

    fifo = tmp_path / "late.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="regular file"):
        open_regular(fifo)
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b"x")
    other = tmp_path / "other.jsonl"
    other.write_bytes(b"y")
    st = other.stat()
    with pytest.raises(OSError, match="replaced"):
        open_regular(plain, (st.st_dev, st.st_ino))


def test_staging_lives_beside_the_warehouse_and_stale_folders_are_removed(tmp_path):
    """Issue 14 finding 6: a landing killed with -9 left its Parquet staging folder in the
    system temp folder for good. Staging now goes under `<warehouse>.sftmart/tmp/landing/`, and
    the next landing removes the folders of processes that are gone."""
    import subprocess
    import sys
    import tempfile

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl").write_bytes(_line(RECORD))
    tmp_root = tmp_path / "wh" / "warehouse.duckdb.sftmart" / "tmp" / "landing"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    stale = tmp_root / f"landing-{int(dead.stdout)}-abc123"
    stale.mkdir(parents=True)
    (stale / "rows-0.parquet").write_bytes(b"x" * 1000)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    busy = tmp_root / f"landing-{alive.pid}-def456"
    busy.mkdir()
    before = set(Path(tempfile.gettempdir()).glob("sftmart-landing-*"))
    try:
        con = duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"))
        rel = land(con, raw)  # noqa: F841 - read by name in the SQL below
        assert rel.aggregate("count(*)").fetchall() == [(1,)]
        assert not stale.exists()
        assert busy.exists()  # its landing may still be running
        mine = [d for d in tmp_root.iterdir() if d.name.startswith(f"landing-{os.getpid()}-")]
        assert len(mine) == 1 and any(mine[0].iterdir())
        assert set(Path(tempfile.gettempdir()).glob("sftmart-landing-*")) == before
    finally:
        alive.kill()
        alive.wait()
