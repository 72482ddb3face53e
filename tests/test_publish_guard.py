"""Issues 22 and 24: only audited states are published, and every published table is guarded
wherever it is written.

From one good warehouse (a copy of the session's validated build), each run below must publish
nothing and leave the file byte for byte: the row guard (sftmart/row_guard.py) for any command and
selection, with empty inputs and with inputs whose every record is rejected; and, without
$SFTMART_PUBLISH_UNAUDITED, the audit rule (macros/publish/publish_when_audited.sql) for commands
that run no validation of what they wrote. Model layer off throughout.
"""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pytest
from conftest import dbt_process

from sftmart.paths import build_path

pytestmark = pytest.mark.slow


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good(validated_warehouse, tmp_path_factory):
    raw_root, db_path, run = validated_warehouse
    root = tmp_path_factory.mktemp("guard")
    published = root / "warehouse.duckdb"
    shutil.copyfile(db_path, published)
    eval_root = raw_root.parent / "validated_eval"
    empty, broken = root / "empty", root / "broken"
    empty.mkdir()
    broken.mkdir()
    for i in range(3):  # every record rejected: no file parses
        (broken / f"part-{i}.json").write_text('[{"instruction": "cut off', encoding="utf-8")
    dbt_vars = {"raw_root": str(raw_root), "eval_root": str(eval_root), "model_layer": False}
    return published, dbt_vars, empty, broken


def refused(published, command: str, dbt_vars: dict, *args: str) -> str:
    """Runs dbt; asserts it published nothing, left the file as it was and said so in one line
    naming the build copy; returns that line."""
    before = digest(published)
    code, stdout, stderr = dbt_process(command, published, dbt_vars, *args)
    [line] = [x for x in stderr.splitlines() if x.startswith("sftmart: ")]
    assert line.startswith("sftmart: not published (") and f"{published} is unchanged" in line, stdout[-3000:] + line
    assert f"this run's copy is {build_path(published.resolve())}" in line and build_path(published).exists()
    assert digest(published) == before
    return line


def test_no_selection_empties_or_shrinks_a_published_table(good):
    """The row guard alone ($SFTMART_PUBLISH_UNAUDITED is the suite's default, so `dbt run` and a
    partial selection would otherwise publish): empty and all-rejected inputs, each selection a
    user would type."""
    published, dbt_vars, empty, broken = good
    line = refused(published, "run", dbt_vars | {"raw_root": str(empty)}, "--select", "alpaca_cot_landing")
    assert "row guard" in line and "raw.alpaca_cot_landing:" in line
    line = refused(published, "build", dbt_vars | {"raw_root": str(broken)}, "--select", "path:models/raw")
    assert "shrink_guard_alpaca_cot_records fail" in line  # the dbt test failed first: nothing downstream ran
    line = refused(published, "run", dbt_vars | {"eval_root": str(empty)}, "--select", "eval_landing", "staging")
    assert "eval_landing error" in line  # an evaluation folder without a record stops the run first
    line = refused(published, "run", dbt_vars | {"raw_root": str(empty)}, "--select", "alpaca_cot_landing", "staging")
    assert "row guard" in line and "staging.stg_alpaca_cot__records:" in line
    line = refused(published, "run", dbt_vars | {"raw_root": str(broken)}, "--select", "+mart_training_mix")
    assert "row guard" in line and "raw.alpaca_cot_records:" in line  # its landing rows are all rejections


def test_only_a_build_that_validates_what_it_wrote_publishes(good, monkeypatch):
    """Without the suite's $SFTMART_PUBLISH_UNAUDITED: `dbt run`, `dbt seed` and a build whose
    selection leaves out the validation of a layer it writes publish nothing; adding the layer's
    validation node publishes."""
    published, dbt_vars, _, _ = good
    monkeypatch.delenv("SFTMART_PUBLISH_UNAUDITED")
    line = refused(published, "run", dbt_vars, "--select", "alpaca_cot_landing")
    assert "`dbt run` runs no audits" in line
    assert "`dbt seed` runs no audits" in refused(published, "seed", dbt_vars)
    line = refused(published, "build", dbt_vars, "--select", "alpaca_cot_landing")
    assert "raw layer(s) were written without validate_raw passing" in line
    before = digest(published)
    code, stdout, stderr = dbt_process("build", published, dbt_vars, "--select", "alpaca_cot_landing", "validate_raw")
    assert code == 0 and f"sftmart: published {published.resolve()}" in stderr, stdout[-3000:] + stderr[-2000:]
    assert digest(published) != before
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from raw.alpaca_cot_records").fetchone()[0] > 0
