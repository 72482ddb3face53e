"""`sftmart experiment` end to end on the pipeline fixture with a tiny random model: three arms,
three seeds, a few optimiser steps each, on a pool with planted rows close in distribution to the
evaluation set (same template and vocabulary, none caught by decontamination) that the `length` arm
takes first; the arms' budgets and ratios, their adapters and run records, the comparison mart (the
length arm detected as better on the primary metric after Holm) and the printed table. And one build with the model layer off on English-only data
at en_ratio 1 with a row too long to train: the row leaves the pool with its reason, every mix
stays within the budget, and each arm's seed changes its draw."""

from __future__ import annotations

import json
import os
import random
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

ARMS = ["curated", "random", "length"]
SEEDS = (1, 2, 3)
FRACTIONS = (0.5, 1.0)  # each arm at half the budget and at the budget: two points of its loss curve
# The evaluation set and the planted rows share a template and a vocabulary no other pool row uses;
# the filler rows (most of the pool) use another. Each row is its own random word sequence, so no
# question, 13-gram or MinHash band matches an evaluation row: decontamination keeps them all.
CLOSE_WORDS = """nebula quasar pulsar comet orbit zenith nadir aurora eclipse meteor galaxy cosmos stellar lunar
    photon plasma vortex magnet prism crystal quartz garnet topaz opal jasper agate basalt granite marble cobalt
    nickel argon neon xenon radon helium carbon sulfur ember flare beacon vector tensor cipher vertex apex summit
    ridge canyon fjord glacier tundra lagoon atoll reef""".split()
FILLER_WORDS = """table chair spoon fork plate cup kettle towel window door carpet pillow blanket lamp shelf drawer
    basket bucket broom soap bread butter cheese apple orange carrot potato onion garlic pepper salt sugar flour
    rice pasta soup salad dinner lunch breakfast morning evening garden fence gate porch roof wall floor kitchen
    bedroom bathroom mirror clock phone letter paper pencil notebook""".split()


def word_record(rng: random.Random, words: list[str], n_words: int, question: str) -> dict:
    drawn = [rng.choice(words) for _ in range(n_words)]
    sentences = [" ".join(drawn[i : i + 8]).capitalize() + "." for i in range(0, n_words, 8)]
    return record(question, " ".join(sentences))


def write_planted(root) -> None:
    """Under root: raw/close (6 long rows in the evaluation set's template), raw/filler (30 shorter
    rows in another vocabulary) and eval/close-en (16 evaluation rows in the template)."""
    rng = random.Random(20)
    close = [word_record(rng, CLOSE_WORDS, 96, f"Recite the star chart of sector {n}.") for n in range(1, 7)]
    filler = [word_record(rng, FILLER_WORDS, 40, f"Describe the household list number {n}.") for n in range(30)]
    held = [word_record(rng, CLOSE_WORDS, 24, f"Recite the star chart of sector {n}.") for n in range(100, 116)]
    for folder, rows in (("raw/close", close), ("raw/filler", filler), ("eval/close-en", held)):
        (root / folder).mkdir(parents=True)
        (root / folder / "part-0.json").write_text(json.dumps(rows), encoding="utf-8")


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    root = tmp_path_factory.mktemp("experiment")
    write_fixture(root / "raw")
    write_planted(root)
    model_dir = make_tiny_model_dir(root / "tiny-model")
    dbt_vars = {"base_model": str(model_dir), "eval_root": str(root / "eval"), "eval_generation_samples": 1}
    # enough steps at a high rate for a tiny model to learn a vocabulary; an English-only budget the
    # planted rows about fill (the length arm takes them first; Chinese rows are too few and too long
    # for arms within 2% of each other)
    dbt_vars |= {"max_steps": 16, "epochs": 6, "train_batch_size": 2, "grad_accumulation": 1}
    dbt_vars |= {"learning_rate": 0.03, "token_budget": 960, "en_ratio": 1.0}
    # a random tiny guide learns nothing in one step: keep the top half per language, so no pool is empty;
    # a K-Center order, so the curated arm's seeds each start their own K-Center
    dbt_vars |= {"learnability_rule": "top_fraction", "learnability_top_fraction": 0.9}
    dbt_vars |= {"selection_recipe": [{"step": "learnability"}, {"step": "order", "by": "kcenter"}]}
    db_path = root / "warehouse.duckdb"
    args = [sys.executable, "-m", "sftmart.cli", "experiment", "--raw-root", str(root / "raw")]
    args += ["--vars", json.dumps(dbt_vars), "--arms", *ARMS, "--seeds", str(len(SEEDS)), "--no-report"]
    args += ["--budget-fractions", *map(str, FRACTIONS)]
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
        """select m.arm, m.seed, m.budget_fraction, m.lang, sum(m.counted_tokens),
                  floor(any_value(b.lang_budget * m.budget_fraction))
           from marts.mart_arm_mixes as m join intermediate.int_mix_budget as b using (lang) group by all""",
    )
    assert {(a, s, f) for a, s, f, *_ in per_arm} == {(a, s, f) for a in ARMS for s in SEEDS for f in FRACTIONS}
    smallest = dict(query(db, "select lang, min(n_tokens) from marts.mart_candidate_pool group by 1"))
    for arm, _, _, lang, counted, budget in per_arm:
        assert counted <= budget  # never over the shared budget
        # no room for another (the curated arm's K-Center bands can fall a few percent short here: it is
        # then `not comparable`)
        assert arm == "curated" or budget - smallest[lang] < counted
    assert query(db, "select count(distinct ratio_policy) from intermediate.int_mix_budget") == [(1,)]


def test_each_curated_seed_starts_its_own_k_center(experiment):
    db, _ = experiment
    ranks = query(
        db,
        """select map_keys(seed_ranks), seed_ranks[1] = seed_ranks[2]
           from marts.mart_selection_order where selection_rank is not null""",
    )
    assert ranks and all(sorted(keys) == [1, 2, 3, 42] for keys, *_ in ranks)  # sample_seed 42, arm seeds 1-3
    assert not all(same for *_, same in ranks)  # another first centre, another K-Center order
    # (test_mix_budget.py shows a ranked draw changing with the seed)


def test_one_adapter_per_arm_and_seed_recorded_in_the_run_history(experiment):
    db, _ = experiment
    runs = query(
        db,
        "select arm, seed, budget_fraction, status, adapter_path, run_id, config_json, fingerprint"
        " from marts.arm_adapters",
    )
    expected = sorted((a, s, f, "trained") for a in ARMS for s in SEEDS for f in FRACTIONS)
    assert sorted((a, s, f, st) for a, s, f, st, *_ in runs) == expected
    for arm, seed, fraction, _, path, _, config, fingerprint in runs:  # content-addressed, beside the warehouse
        assert Path(path) == adapter_dir(Path(db).resolve(), f"{arm}-{seed}-b{fraction:g}", fingerprint) / "adapter"
        assert os.path.isdir(path) and json.loads(config)["seed"] == seed
    # the same LoRA settings but the seed
    assert len({json.dumps({**json.loads(c), "seed": 0}) for *_, c, _ in runs}) == 1
    recorded = query(db, "select run_id from marts.training_runs where node = 'arm' order by 1")
    assert recorded == sorted((r[5],) for r in runs)


def test_comparison_rows_and_the_printed_table(experiment):
    db, out = experiment
    rows = query(
        db,
        """select arm, metric, is_primary, n_seeds, verdict, delta_vs_random from marts.mart_arm_comparison
           where budget_fraction = 1""",
    )
    assert rows and {arm for arm, *_ in rows} == {"curated", "length"}
    assert {"nll", "perplexity"} <= {metric for _, metric, *_ in rows}
    for _, metric, primary, n_seeds, verdict, delta in rows:
        assert n_seeds == len(SEEDS) and verdict in ("better", "worse", "no difference", "not comparable")
        assert delta is not None and primary == (metric == "nll")
    # counted and real tokens from the mixes, trained tokens from the arm's runs in training_runs
    tokens = query(
        db,
        """select c.real_tokens, c.counted_tokens, c.trained_tokens, c.n_dropped_over_length,
                  (select avg(r.tokens_seen) from marts.training_runs as r join marts.arm_adapters as a
                   using (run_id) where a.arm = 'curated' and a.budget_fraction = 1)
           from marts.mart_arm_comparison as c where arm = 'curated' and metric = 'nll' and budget_fraction = 1""",
    )
    [(real, counted, trained, dropped, seen)] = tokens
    assert real == counted > 0 and trained == seen > 0 and dropped == 0
    # printed to a pipe: CSV, whole
    header = "arm,eval_set,lang,metric,primary,mean,random,delta,ci_low,ci_high,seeds,p_value,p_holm,beats_random,"
    assert out.count(header + "random_draws,verdict\n") == 1
    assert "arm,seeds,real_tokens,counted_tokens,trained_tokens\ncurated @0.5,3," in out and "\ncurated,3," in out


def test_the_arm_trained_on_rows_close_to_the_evaluation_set_is_better(experiment):
    db, out = experiment
    # the planted rows passed decontamination and the length arm trained on them
    pooled = query(db, "select count(*) from marts.mart_candidate_pool where prompt like '%Recite the star chart%'")
    assert pooled == [(6,)]
    [(planted_share,)] = query(
        db,
        """select avg((m.prompt like '%Recite the star chart%')::int) from marts.mart_arm_mixes as m
           where m.arm = 'length' and m.budget_fraction = 1""",
    )
    assert planted_share > 0.8
    [(verdict, survives, low, high, r, k, method)] = query(
        db,
        """select verdict, holm_survives, ci_low, ci_high, beats_random, n_random_draws, interval_method
           from marts.mart_arm_comparison
           where arm = 'length' and eval_set = 'close-en' and metric = 'nll' and budget_fraction = 1""",
    )
    assert (verdict, survives, r, k) == ("better", True, 3, 3) and low < high < 0, (low, high)
    assert method.startswith("hierarchical bootstrap: 3 seeds x 16 items")
    items = query(db, "select count(*), count(distinct model_run) from marts.mart_eval_item_nll where arm = 'length'")
    assert items == [(2 * 3 * 16, 6)]
    assert "length,close-en,en,nll,true," in out


def test_each_arm_has_a_loss_curve_and_the_headline_prints(experiment):
    db, out = experiment
    curve = query(
        db,
        """select arm, budget_fraction, real_tokens, n_seeds, random_tokens_to_match, match, headline
           from marts.mart_arm_curve order by arm, budget_fraction""",
    )
    assert [(a, f, n) for a, f, _, n, *_ in curve] == [(a, f, 3) for a in sorted(ARMS) for f in FRACTIONS]
    for arm, fraction, real, _, needed, match, line in curve:
        assert 0 < real <= 960 * fraction
        assert (line is None) == (arm == "random") and (needed is None) == (match not in ("interpolated", "measured"))
        if arm != "random":
            assert line.startswith("random needs" if needed else "random does not match") and line in out
    # the length arm at the full budget beats random at the full budget: random would need more
    [(needed, match)] = [(n, m) for a, f, _, _, n, m, _ in curve if (a, f) == ("length", 1.0)]
    assert match == "beyond the measured range" or needed > 960


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
    budgets = dict(query(db, "select lang, lang_budget from intermediate.int_mix_budget"))
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
