"""Target examples (issue 21): the `order by: dsir` recipe step and the target_dsir arm against
random at the same budget and ratio, the target's provenance with every target-aware mix, its
training runs and the report (the fixture: tests/target_dsir_fixture.py, conftest's `dsir_built`)."""

from __future__ import annotations

import hashlib
import re
import shutil

import duckdb
import pytest
from conftest import run_dbt
from target_dsir_fixture import (
    ARM_POOL,
    TARGET_SUBSET,
    ZH_POOL,
    aqua_share,
    budget_fills,
    query,
)

# ------------------------------------------------------------------ the `order by: dsir` recipe step


def test_the_dsir_mix_draws_mostly_the_target_subset_and_random_does_not(dsir_built):
    db = dsir_built[0]
    dsir_share = aqua_share(db, "marts.mart_training_mix", "where lang = 'en'")
    random_share = aqua_share(db, ARM_POOL, "where arm = 'random' and mart_arm_mixes.lang = 'en'")
    assert dsir_share >= 0.9 and random_share <= 0.5, (dsir_share, random_share)
    # the order is the Gumbel top-k: the mix is the largest draw keys, in the language's share
    [(en_budget,)] = query(db, "select lang_budget from intermediate.int_mix_budget where lang = 'en'")
    keys = query(
        db,
        """select w.sample_id, p.n_tokens from intermediate.int_dsir_pool_weights as w
           join marts.mart_candidate_pool as p using (sample_id) where w.lang = 'en'
           order by w.draw_key desc, w.sample_id""",
    )
    # the fill never exceeds the share and skips a sample that would overshoot; the ranked draw keeps
    # its top (ratio_sample's near-rank bands: the first 90% of the share are the top keys)
    cumulative, top = 0, set()
    for sample_id, n in keys:
        if cumulative + n > 0.85 * en_budget:
            break
        top.add(sample_id)
        cumulative += n
    mix = dict(query(db, "select sample_id, n_tokens from marts.mart_training_mix where lang = 'en'"))
    assert top <= set(mix) and sum(mix.values()) <= en_budget


def test_same_budget_and_ratio_as_random(dsir_built):
    db = dsir_built[0]
    per_lang = budget_fills(db, "dsir")
    # English fills its share within 2% and never over; Chinese (fill) takes its whole pool
    mixes = ["dsir", "random1", "random2", "target_dsir1", "target_dsir2"]
    assert per_lang == [(m, lang, True, lang == "en") for m in mixes for lang in ("en", "zh")]
    zh = query(db, "select count(*) from marts.mart_training_mix where lang = 'zh'")
    assert zh == [(len(ZH_POOL),)]


def test_the_target_dsir_arm_is_the_dsir_draw_and_a_seed_changes_it(dsir_built):
    """The arm at seed 1 draws nearly what `order by: dsir` draws at sample_seed 1 (the pool is the
    curated pool here: no filter step; the training mix draws its ranked order in near-rank bands,
    the arm by the Gumbel keys alone). DSIR's log weights over whole texts lie several nats apart,
    so the Gumbel draw is close to the top-k: another seed moves its margin only."""
    db = dsir_built[0]
    mix = {s for (s,) in query(db, "select sample_id from marts.mart_training_mix")}
    arms = query(db, "select seed, list(sample_id) from marts.mart_arm_mixes where arm = 'target_dsir' group by 1")
    draws = {seed: set(ids) for seed, ids in arms}
    assert len(draws[1] & mix) >= 0.85 * len(mix), (len(draws[1] & mix), len(mix))
    assert draws[2] != draws[1]
    arm_2 = aqua_share(db, ARM_POOL, "where arm = 'target_dsir' and seed = 2 and mart_arm_mixes.lang = 'en'")
    assert arm_2 >= 0.85  # the last tenth of the share is drawn from the next-ranked 30% (near-rank bands)
    random_draws = query(db, "select seed, list(sample_id) from marts.mart_arm_mixes where arm = 'random' group by 1")
    assert len({frozenset(ids) for _, ids in random_draws}) == 2


# ------------------------------------------------------------------ the target's provenance and the report


def test_the_targets_provenance_is_recorded_with_every_target_aware_mix(dsir_built):
    db, _, dbt_vars = dsir_built
    rows = query(db, "select lang, sample_text from intermediate.int_target_records order by lang, sample_text")
    digest = hashlib.md5("\x1e".join(f"{lang}\x1f{text}" for lang, text in rows).encode()).hexdigest()
    assert query(db, "select * from intermediate.int_target_provenance") == [(dbt_vars["target_root"], 61, digest)]
    mixes = query(db, "select mix, seed, target_content_hash from marts.mart_mix_target_provenance order by 1, 2")
    assert mixes == [("target_dsir", 1, digest), ("target_dsir", 2, digest), ("training_mix", None, digest)]


def test_training_runs_of_target_aware_mixes_record_the_target(dsir_built, tmp_path):
    """A run of a target_* arm's mix records the target's provenance in training_runs; a random
    arm's run does not (two planted adapter rows, the real training_runs model run over them)."""
    db, _, dbt_vars = dsir_built
    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    with duckdb.connect(str(copy)) as con:
        for arm in ("target_dsir", "random"):
            con.execute(
                "insert into marts.arm_adapters (arm, seed, node, status, run_id, data_source) values (?, 1, 'arm', 'trained', ?, ?)",
                [arm, f"run-{arm}", f"mart_arm_mixes:{arm}-1"],
            )
    run_dbt("run", copy, dbt_vars, "--select", "training_runs", "--target-path", str(tmp_path / "t"))
    [(digest,)] = query(db, "select target_content_hash from intermediate.int_target_provenance")
    runs = query(
        copy, "select run_id, target_root, target_rows, target_content_hash from marts.training_runs order by 1"
    )
    assert runs == [("run-random", None, None, None), ("run-target_dsir", dbt_vars["target_root"], 61, digest)]


def test_the_report_shows_where_the_target_aware_mixes_came_from(dsir_built, tmp_path):
    from sftmart.report import write_report

    db = dsir_built[0]
    page = write_report(db, tmp_path / "report", gx_docs="").read_text(encoding="utf-8")
    section = re.search(r'<section id="target".*?</section>', page, re.S).group(0)
    [(digest,)] = query(db, "select target_content_hash from intermediate.int_target_provenance")
    assert f'data-target-hash="{digest}"' in section
    shown: dict[str, dict[str, float]] = {}
    for collection, row in re.findall(r'<tr data-collection="([^"]+)">(.*?)</tr>', section, re.S):
        for mix, share in re.findall(r'data-mix="([^"]+)" data-share="([0-9.]+)"', row):
            shown.setdefault(mix, {})[collection] = float(share)
    expected = {
        arm: dict(
            query(
                db,
                f"select source_collection, count(*) / sum(count(*)) over () from {ARM_POOL} where arm = '{arm}' group by 1",
            )
        )
        for arm in ("target_dsir", "random")
    }
    expected["training_mix"] = dict(
        query(db, "select source_collection, count(*) / sum(count(*)) over () from marts.mart_training_mix group by 1")
    )
    for mix, shares in expected.items():
        assert {c: s for c, s in shown[mix].items() if s > 0} == pytest.approx(shares, abs=1e-6), mix
    assert shown["target_dsir"][TARGET_SUBSET] > 0.8 > 0.5 > shown["random"][TARGET_SUBSET]
    assert 'data-plot="dsir-weights"' in section and "data:image/png;base64," in section
    assert re.findall(r'<tr data-lang="([^"]+)">', section) == ["en", "zh"]
