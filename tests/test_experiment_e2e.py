"""`sftmart experiment` end to end on the pipeline fixture with a tiny random model: two arms, two
seeds, one optimiser step each; the arms' budgets and ratios, their adapters and run records, the
comparison mart and the printed table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest
from conftest import REPO
from lm_fixtures import make_tiny_model_dir
from pipeline_fixture import write_fixture

pytestmark = pytest.mark.slow

ARMS = ["curated", "random"]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    root = tmp_path_factory.mktemp("experiment")
    write_fixture(root / "raw")
    model_dir = make_tiny_model_dir(root / "tiny-model")
    dbt_vars = {"base_model": str(model_dir), "max_steps": 1, "train_batch_size": 4, "eval_generation_samples": 1}
    # a random tiny guide learns nothing in one step: keep the top half per language, so no pool is empty
    dbt_vars |= {"learnability_rule": "top_fraction"}
    db_path = root / "warehouse.duckdb"
    args = [sys.executable, "-m", "sftmart.cli", "experiment", "--raw-root", str(root / "raw")]
    args += ["--vars", json.dumps(dbt_vars), "--arms", *ARMS, "--seeds", "2", "--no-report"]
    done = subprocess.run(args, cwd=REPO, env=dict(os.environ, SFTMART_DB=str(db_path)), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    return db_path, done.stdout


def query(db_path, sql):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_arm_draws_the_same_budget_and_ratio(experiment):
    db, _ = experiment
    per_arm = query(
        db,
        """select m.arm, m.seed, m.lang, sum(m.counted_tokens), max(m.counted_tokens), any_value(b.lang_budget)
           from marts.mart_arm_mixes as m join marts.int_mix_budget as b using (lang) group by all""",
    )
    assert {(arm, seed) for arm, seed, *_ in per_arm} == {(a, s) for a in ARMS for s in (1, 2)}
    pools = dict(query(db, "select lang, sum(n_tokens) from marts.mart_candidate_pool group by 1"))
    for _, _, lang, counted, largest, budget in per_arm:
        assert counted - largest < budget  # within one sample of the shared budget
        assert counted >= budget or counted == pools[lang]  # filled, or the whole pool of that language
    assert query(db, "select count(distinct ratio_policy) from marts.int_mix_budget") == [(1,)]


def test_one_adapter_per_arm_and_seed_recorded_in_the_run_history(experiment):
    db, _ = experiment
    runs = query(db, "select arm, seed, status, adapter_path, run_id, config_json from marts.mart_arm_adapters")
    assert sorted((a, s, st) for a, s, st, *_ in runs) == [(a, s, "trained") for a in ARMS for s in (1, 2)]
    for arm, seed, _, path, _, config in runs:
        assert path.endswith(os.path.join("arms", f"{arm}-{seed}", "adapter")) and os.path.isdir(path)
        assert json.loads(config)["seed"] == seed
    # the same LoRA settings but the seed
    assert len({json.dumps({**json.loads(c), "seed": 0}) for *_, c in runs}) == 1
    recorded = query(db, "select run_id from marts.training_runs where node = 'arm' order by 1")
    assert recorded == sorted((r[4],) for r in runs)


def test_comparison_rows_and_the_printed_table(experiment):
    db, out = experiment
    rows = query(db, "select arm, metric, n_seeds, verdict, delta_vs_random from marts.mart_arm_comparison")
    assert rows and {arm for arm, *_ in rows} == {"curated"}
    assert {"nll", "perplexity"} <= {metric for _, metric, *_ in rows}
    for _, _, n_seeds, verdict, delta in rows:
        assert n_seeds == 2 and verdict in ("better", "worse", "no difference") and delta is not None
    assert "Arms against random" in out and "curated" in out
