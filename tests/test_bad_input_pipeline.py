"""`sftmart build` (one dbt build, every layer's validation node, the report) over a folder of every kind of bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter

import duckdb
import pytest
from test_landing import EXPECTED, MAX_FILE, MAX_RECORD, build_raw

from sftmart.landing import reconcile
from sftmart.paths import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    raw = build_raw(root / "raw")
    db = root / "warehouse.duckdb"
    dbt_vars = {"model_layer": False, "max_record_bytes": MAX_RECORD, "max_file_bytes": MAX_FILE}
    done = subprocess.run(
        [sys.executable, "-m", "sftmart.cli", "build", "--raw-root", str(raw), "--vars", json.dumps(dbt_vars)],
        cwd=REPO_ROOT,
        env=dict(os.environ, SFTMART_DB=str(db)),
        capture_output=True,
        text=True,
    )
    return raw, db, done


def test_build_over_broken_inputs_completes_and_validates(built):
    _, _, done = built
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert done.stdout.count("PASSED:") == 4  # raw, staging, intermediate and marts suites


def test_every_good_record_lands_and_every_bad_one_is_quarantined_with_its_reason(built):
    raw, db, _ = built
    with duckdb.connect(str(db), read_only=True) as con:
        landed = con.execute("select count(*) from raw.alpaca_cot_records").fetchone()[0]
        rejected = dict(
            con.execute("select reject_reason_code, count(*) from raw.rejected_records group by 1").fetchall()
        )
        reasons = con.execute("select count(*) from raw.rejected_records where length(reject_reason) < 10").fetchone()[
            0
        ]
    expected = Counter(code for status, code in EXPECTED.values() if status == "rejected")
    assert landed == sum(1 for status, _ in EXPECTED.values() if status == "landed")
    assert rejected == dict(expected)
    assert reasons == 0
    assert landed + sum(rejected.values()) == sum(reconcile(raw, max_file_bytes=MAX_FILE).values())


def test_report_shows_quarantine_counts_by_reason(built):
    _, db, _ = built
    html = (db.parent / "reports" / "pipeline_report.html").read_text(encoding="utf-8")
    shown = {
        code: int(n) for code, n in re.findall(r'<tr data-code="(\w+)">.*?data-col="count" data-value="(\d+)"', html)
    }
    assert shown == dict(Counter(code for status, code in EXPECTED.values() if status == "rejected"))
