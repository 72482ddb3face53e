"""`sftmart experiment` end to end on the pipeline fixture with a tiny random model: two arms, two
seeds, one optimiser step each; the arms' budgets and ratios, their adapters and run records, the
comparison mart and the printed table. And one build with the model layer off on English-only data
at en_ratio 1 with a row too long to train: the row leaves the pool with its reason, every mix
stays within the budget, and each arm's seed changes its draw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_dbt
from lm_fixtures import make_tiny_model_dir
from pipeline_fixture import EN, record, write_fixture

from sftmart.artefacts import adapter_dir

pytestmark = pytest.mark.slow

ARMS = ["curated", "random"]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    root = tmp_path_factory.mktemp("experiment")
    write_fixture(root / "raw")
    model_dir = make_tiny_model_dir(root / "tiny-model")
    dbt_vars = {"base_model": str(model_dir), "max_steps": 1, "train_batch_size": 4, "eval_generation_samples": 1}
    # a random tiny guide learns nothing in one step: keep the top half per language, so no pool is empty;
    # a K-Center order, so the curated arm's seeds each start their own K-Center
    dbt_vars |= {"learnability_rule": "top_fraction"}
    dbt_vars |= {"selection_recipe": [{"step": "learnability"}, {"step": "order", "by": "kcenter"}]}
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
        """select m.arm, m.seed, m.lang, sum(m.counted_tokens), any_value(b.lang_budget)
           from marts.mart_arm_mixes as m join marts.int_mix_budget as b using (lang) group by all""",
    )
    assert {(arm, seed) for arm, seed, *_ in per_arm} == {(a, s) for a in ARMS for s in (1, 2)}
    smallest = dict(query(db, "select lang, min(n_tokens) from marts.mart_candidate_pool group by 1"))
    for _, _, lang, counted, budget in per_arm:
        assert budget - smallest[lang] < counted <= budget  # never over the shared budget; no room for another
    assert query(db, "select count(distinct ratio_policy) from marts.int_mix_budget") == [(1,)]


def test_each_curated_seed_starts_its_own_k_center(experiment):
    db, _ = experiment
    ranks = query(
        db,
        """select map_keys(seed_ranks), seed_ranks[1] = seed_ranks[2]
           from marts.mart_selection_order where selection_rank is not null""",
    )
    assert ranks and all(sorted(keys) == [1, 2, 42] for keys, *_ in ranks)  # sample_seed 42, arm seeds 1, 2
    assert not all(same for *_, same in ranks)  # another first centre, another K-Center order
    # (the curated draws are the same here: the 10M-token budget takes the whole curated pool, whatever
    # the order; test_mix_budget.py shows a ranked draw changing with the seed)


def test_one_adapter_per_arm_and_seed_recorded_in_the_run_history(experiment):
    db, _ = experiment
    runs = query(
        db, "select arm, seed, status, adapter_path, run_id, config_json, fingerprint from marts.mart_arm_adapters"
    )
    assert sorted((a, s, st) for a, s, st, *_ in runs) == [(a, s, "trained") for a in ARMS for s in (1, 2)]
    for arm, seed, _, path, _, config, fingerprint in runs:  # content-addressed, beside the warehouse
        assert Path(path) == adapter_dir(Path(db).resolve(), f"{arm}-{seed}", fingerprint) / "adapter"
        assert os.path.isdir(path) and json.loads(config)["seed"] == seed
    # the same LoRA settings but the seed
    assert len({json.dumps({**json.loads(c), "seed": 0}) for *_, c, _ in runs}) == 1
    recorded = query(db, "select run_id from marts.training_runs where node = 'arm' order by 1")
    assert recorded == sorted((r[4],) for r in runs)


def test_comparison_rows_and_the_printed_table(experiment):
    db, out = experiment
    rows = query(db, "select arm, metric, n_seeds, verdict, delta_vs_random from marts.mart_arm_comparison")
    assert rows and {arm for arm, *_ in rows} == {"curated"}
    assert {"nll", "perplexity"} <= {metric for _, metric, *_ in rows}
    for _, _, n_seeds, verdict, delta in rows:
        assert n_seeds == 2 and verdict in ("better", "worse", "no difference", "not comparable")
        assert delta is not None
    # counted and real tokens from the mixes, trained tokens from the arm's runs in training_runs
    tokens = query(
        db,
        """select distinct c.real_tokens, c.counted_tokens, c.trained_tokens, c.n_dropped_over_length,
                  (select avg(r.tokens_seen) from marts.training_runs as r join marts.mart_arm_adapters as a
                   using (run_id) where a.arm = 'curated')
           from marts.mart_arm_comparison as c""",
    )
    [(real, counted, trained, dropped, seen)] = tokens
    assert real == counted > 0 and trained == seen > 0 and dropped == 0
    # printed to a pipe: CSV, whole
    assert out.count("arm,eval_set,lang,metric,mean,random,delta,ci_low,ci_high,seeds,verdict\n") == 1
    assert "arm,seeds,real_tokens,counted_tokens,trained_tokens\ncurated,2," in out


LONG_ROW = record("Summarise everything you know about these topics.", " ".join(o for _, o in EN))


@pytest.fixture(scope="module")
def english_only(tmp_path_factory):
    """English-only rows and one too long to train, model layer off, en_ratio 1, three arms of two seeds."""
    root = tmp_path_factory.mktemp("english-only")
    (root / "raw" / "cot-en").mkdir(parents=True)
    rows = [record(i, o) for i, o in EN] + [LONG_ROW]
    (root / "raw" / "cot-en" / "part-0.json").write_text(json.dumps(rows), encoding="utf-8")
    dbt_vars = {"raw_root": str(root / "raw"), "model_layer": False, "en_ratio": 1.0, "model_max_length": 256}
    dbt_vars |= {"token_budget": 400, "arms": ["curated", "random", "length"], "arm_seeds": [1, 2]}
    run_dbt("build", root / "w.duckdb", dbt_vars)  # the marts suite passes with zh's budget 0
    return root / "w.duckdb"


def test_a_row_too_long_to_train_leaves_the_pool_before_any_mix(english_only):
    db = english_only
    [(sample_id, n_training_tokens)] = query(
        db, "select sample_id, n_training_tokens from intermediate.int_samples_tokenized where not fits_training"
    )
    assert n_training_tokens > 256
    assert query(
        db, f"select dropped_at_stage, drop_reason from marts.mart_record_outcomes where sample_id = '{sample_id}'"
    ) == [(8, "too_long_for_training")]
    funnel = query(
        db, "select rows_removed, removed_by_reason from marts.mart_pipeline_funnel where stage = 'candidate_pool'"
    )
    assert funnel == [(1, {"too_long_for_training": 1})]
    assert query(db, "select count(*) from marts.mart_candidate_pool") == [(len(EN),)]


def test_english_only_data_builds_at_en_ratio_one(english_only):
    db = english_only
    budgets = dict(query(db, "select lang, lang_budget from marts.int_mix_budget"))
    assert budgets == {"en": 400, "zh": 0}
    per_mix = query(
        db,
        """select 'mix', lang, sum(n_tokens) from marts.mart_training_mix group by all
           union all select arm || seed, lang, sum(counted_tokens) from marts.mart_arm_mixes group by all""",
    )
    assert len(per_mix) == 7 and all(lang == "en" and 0 < tokens <= 400 for _, lang, tokens in per_mix)
    # the marts suite checked every mix (and its zero zh budget) against int_mix_budget
    checked = query(
        db,
        """select success from marts.data_quality_results
           where layer = 'marts' and "column" = 'tokens_over_budget'""",
    )
    assert checked == [(True,)]


def test_each_random_arm_seed_changes_its_draw(english_only):
    draws = query(
        english_only,
        """select arm, list(sample_id order by sample_id) from marts.mart_arm_mixes group by arm, seed order by all""",
    )
    # random orders here (the model layer is off: the recipe's order is random); a ranked order (length,
    # a ranked curated recipe) varies within its near-rank bands, which 3 samples of 8 barely have:
    # test_mix_budget.py::test_a_ranked_draw_keeps_its_top_and_changes_with_the_seed shows it
    for arm in ("curated", "random"):
        first, second = [d for a, d in draws if a == arm]
        assert first != second, arm
