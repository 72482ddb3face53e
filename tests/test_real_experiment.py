"""bench/real_experiment.py (issues 20 item 8, 21 "shown on real data"): the held-out and target
slices of one Alpaca-CoT CoT subset are deterministic and disjoint, and the command itself, run at a
tiny scale with the model layer off (--mix-only: the arms' draws, no training), removes every
held-out and target row from the candidate pool, so no arm's mix holds one; the funnel says so.
Reads ../shared/data/alpaca-cot in place."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import SHARED_DATA

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import real_experiment as rx  # noqa: E402

SUBSET, HELDOUT, TARGET = "ecqa", 30, 30
pytestmark = pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data/alpaca-cot is not beside the checkout")


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_slices_are_deterministic_disjoint_and_planted_in_the_pool(tmp_path):
    for name in ("a", "b"):
        out = tmp_path / name
        rx.write_slices(SHARED_DATA, out, SUBSET, HELDOUT, TARGET)
        keep = [*rx.read_units(out / "eval" / f"{SUBSET}-heldout" / "heldout.json")]
        keep += rx.read_units(out / "target" / f"{SUBSET}-target" / "target.json")
        rx.write_pool(SHARED_DATA, out, 200, keep, seed=1)
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    heldout = rx.read_units(tmp_path / "a" / "eval" / f"{SUBSET}-heldout" / "heldout.json")
    target = rx.read_units(tmp_path / "a" / "target" / f"{SUBSET}-target" / "target.json")
    assert (len(heldout), len(target)) == (HELDOUT, TARGET)
    assert not {rx.question_key(r) for r in heldout} & {rx.question_key(r) for r in target}
    pool = {rx.record_key(r) for r in rx.read_units(tmp_path / "a" / "pool" / "chain-of-thought" / "ecqa_train.json")}
    assert {rx.record_key(r) for r in heldout + target} <= pool
    # another pool seed draws another slice; the held-out slice does not depend on it
    other = tmp_path / "c"
    rx.write_pool(SHARED_DATA, other, 200, heldout + target, seed=2)
    assert files_of(other / "pool") != files_of(tmp_path / "a" / "pool")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    out = tmp_path_factory.mktemp("real_experiment")
    argv = ["--out", str(out), "--subset", SUBSET, "--heldout-rows", str(HELDOUT), "--target-rows", str(TARGET)]
    argv += ["--pool-rows", "240", "--mix-only", "--arms", "random", "target_dsir", "--seeds", "2"]
    argv += ["--random-draws", "3", "--token-budget", "4000", "--budget-fractions", "1"]
    rc = rx.main(argv)
    assert rc == 0, (out / "run.log").read_text(encoding="utf-8")[-3000:]
    return out


def test_heldout_and_target_rows_never_reach_the_pool_or_a_mix(mixed):
    heldout = rx.read_units(mixed / "eval" / f"{SUBSET}-heldout" / "heldout.json")
    target = rx.read_units(mixed / "target" / f"{SUBSET}-target" / "target.json")
    with duckdb.connect(str(mixed / "warehouse.duckdb"), read_only=True) as con:
        con.execute("create temp table planted (instruction varchar)")
        con.executemany("insert into planted values (?)", [[r["instruction"]] for r in heldout + target])
        landed = con.execute("""
            select r.record_id, o.drop_reason from raw.alpaca_cot_records as r
            join marts.mart_record_outcomes as o on o.sample_id = r.record_id
            where r.instruction in (select instruction from planted)""").fetchall()
        in_pool = con.execute("""
            select count(*) from marts.mart_candidate_pool as c
            join raw.alpaca_cot_records as r on r.record_id = c.sample_id
            where r.instruction in (select instruction from planted)""").fetchone()[0]
        in_mix = con.execute("""
            select count(*) from marts.mart_arm_mixes as m
            join raw.alpaca_cot_records as r on r.record_id = m.sample_id
            where r.instruction in (select instruction from planted)""").fetchone()[0]
        arms = con.execute("select distinct arm, seed from marts.mart_arm_mixes order by 1, 2").fetchall()
        removed = con.execute("""
            select removed_by_detail from marts.mart_pipeline_funnel
            where stage = 'eval_decontaminated' and lang = 'en'""").fetchone()[0]
    assert len(landed) >= HELDOUT + TARGET
    assert {reason for _, reason in landed} == {"eval_contamination"}
    assert (in_pool, in_mix) == (0, 0)
    # random_draws: the random arm is drawn 3 times (the K random mixes), the other arm once per seed
    assert arms == [("random", 1), ("random", 2), ("random", 3), ("target_dsir", 1), ("target_dsir", 2)]
    # the funnel counts every planted row under its set, as an exact copy
    assert removed[f"exact_record:{SUBSET}-heldout"] == HELDOUT and removed["exact_record:target"] == TARGET


def test_the_command_writes_the_target_share_per_arm_and_seed(mixed):
    lines = (mixed / "target_share.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:2] == ["arm", "seed"] and len(lines) == 1 + 5
    shares = {}
    for line in lines[1:]:
        arm, *_, share = line.split(",")
        shares.setdefault(arm, []).append(float(share))
    # the target's subset is about a quarter of the English pool: DSIR draws well over random's share
    assert min(shares["target_dsir"]) > max(shares["random"]) + 0.15
    assert "eval_decontaminated" in (mixed / "summary.md").read_text(encoding="utf-8")
    assert (
        json.loads((mixed / "summary.md").read_text(encoding="utf-8").split("vars: ")[1].splitlines()[0])["model_layer"]
        is False
    )
