"""The model layer as part of the DAG, on the fixture with a tiny random model (fast, offline)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_dbt
from encoder_fixtures import make_tiny_encoder_dir
from lm_fixtures import make_tiny_model_dir
from pipeline_fixture import write_fixture

pytestmark = pytest.mark.slow


def dbt(command: str, db_path, dbt_vars: dict, select: str | None = None) -> str:
    return run_dbt(command, db_path, dbt_vars, *(["--select", select] if select else []))


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    root = tmp_path_factory.mktemp("dag")
    write_fixture(root / "raw")
    model_dir = make_tiny_model_dir(root / "tiny-model")
    dbt_vars = {"raw_root": str(root / "raw"), "base_model": str(model_dir), "max_steps": 2, "train_batch_size": 4}
    # the guide's own settings, each unlike the final adapter's (test_guide_settings_reach_the_guide_only)
    dbt_vars |= {"guide_learning_rate": 0.003, "guide_lora_r": 4, "guide_lora_alpha": 8, "guide_max_steps": 3}
    dbt_vars["quality_model"] = str(make_tiny_encoder_dir(root / "tiny-reward", "deberta"))
    db_path = root / "it's here" / "warehouse.duckdb"  # a quote in the path reaches no SQL
    dbt("build", db_path, dbt_vars)
    return db_path, dbt_vars


def query(db_path, sql):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_step_is_a_table_with_what_it_promises(dag):
    db, _ = dag
    [(guide_status, merged, guide_adapter)] = query(
        db, "select status, merged_model_path, adapter_path from marts.guide_adapter"
    )
    assert guide_status == "trained" and os.path.exists(os.path.join(merged, "config.json"))
    assert os.path.exists(os.path.join(guide_adapter, "adapter_config.json"))
    pool = query(db, "select count(*) from marts.mart_candidate_pool")[0][0]
    for scores in ("mart_base_scores", "mart_guide_scores"):
        assert query(
            db,
            f"""select count(*), count(*) filter (where isfinite(mean_entropy) and n_tokens > 0)
                             from marts.{scores}""",
        ) == [(pool, pool)]
    guide_sample = query(db, "select count(*) from marts.mart_guide_sample")[0][0]
    assert guide_sample == pool  # the guide budget (30M tokens) takes the whole small pool
    [(final_status, adapter_path, steps)] = query(db, "select status, adapter_path, steps from marts.final_adapter")
    assert final_status == "trained" and steps == 2
    assert query(db, "select node from marts.training_runs order by node") == [("final",), ("guide",)]
    assert query(
        db,
        """select count(*) from marts.training_runs as r join (select run_id from marts.guide_adapter
                        union all select run_id from marts.final_adapter) using (run_id)
                        where not r.recorded_on_reuse""",
    ) == [(2,)]
    # one model spec for both adapters; each its own training config
    assert len(query(db, "select distinct model_spec_json from marts.training_runs")) == 1


def test_guide_settings_reach_the_guide_only(dag):
    import json

    db, _ = dag
    runs = {
        node: (json.loads(config), steps)
        for node, config, steps in query(db, "select node, config_json, steps from marts.training_runs")
    }
    guide, final = runs["guide"][0], runs["final"][0]
    assert (guide["learning_rate"], guide["lora_r"], guide["lora_alpha"], guide["epochs"]) == (0.003, 4, 8, 1)
    assert (final["learning_rate"], final["lora_r"], final["lora_alpha"], final["epochs"]) == (2.5e-5, 8, 32, 3)
    assert (guide["max_steps"], runs["guide"][1]) == (3, 3) and (final["max_steps"], runs["final"][1]) == (2, 2)
    assert guide["lora_dropout"] == final["lora_dropout"] and guide["batch_size"] == final["batch_size"]


def test_the_one_guide_measures_held_out_rows_and_flags_its_own_rows_in_sample(dag):
    """Without cross-fitting, guide_heldout_rows (at most half the sample) never train the guide: its
    run records their loss before and after; the rows it trained on are scored in sample, flagged."""
    db, _ = dag
    [(n_heldout, before, after, n_samples)] = query(
        db, "select n_heldout, heldout_loss_before, heldout_loss_after, n_samples from marts.guide_adapter"
    )
    [(n_sample, n_held, n_train)] = query(
        db,
        """select count(*), count(*) filter (where heldout_for_guide = 'guide'),
                  count(*) filter (where trains_guide = 'guide') from marts.mart_guide_sample""",
    )
    assert n_held == n_heldout == n_sample // 2 and n_train == n_samples == n_sample - n_held
    assert before > 0 and after > 0 and before != after
    assert query(db, "select n_heldout, heldout_loss_after from marts.training_runs where node = 'guide'") == [
        (n_heldout, after)
    ]
    flags = query(
        db,
        """select count(*) filter (where s.guide_in_sample <> (g.trains_guide is not distinct from 'guide')),
                  count(*) filter (where s.scored_by_guide <> 'guide'), count(*) filter (where s.guide_in_sample)
           from marts.mart_guide_scores as s left join marts.mart_guide_sample as g using (sample_id)""",
    )
    assert flags == [(0, 0, n_train)]
    details = query(
        db,
        """select count(*) filter (where o.drop_detail <> 'guide:' || case when l.guide_in_sample
                                         then 'in_sample' else 'out_of_sample' end)
           from marts.mart_record_outcomes as o join marts.mart_sample_learnability as l using (sample_id)
           where o.drop_reason like 'learnability:%'""",
    )
    assert details == [(0,)]


def test_mix_is_drawn_from_learnable_samples_only(dag):
    db, _ = dag
    outside = query(
        db,
        """select count(*) from marts.mart_training_mix as m
                           join marts.mart_sample_learnability as l using (sample_id) where not l.is_learnable""",
    )
    assert outside == [(0,)]
    verdicts = query(
        db, "select count(*) filter (where is_learnable <> (entropy_delta > 0)) from marts.mart_sample_learnability"
    )
    assert verdicts == [(0,)]
    funnel = dict(query(db, "select lang, rows_removed from marts.mart_pipeline_funnel where stage = 'selected'"))
    assert (
        sum(funnel.values())
        == query(db, "select count(*) from marts.mart_sample_learnability where not is_learnable")[0][0]
    )


def test_signals_are_sql_columns(dag):
    """IFD, FLOAT[d] embeddings that plain SQL compares, quality scores; all cached by content."""
    db, _ = dag
    pool = query(db, "select count(*) from marts.mart_candidate_pool")[0][0]
    types = dict(query(db, "select column_name, column_type from (describe marts.mart_base_scores)"))
    assert types["embedding"] == "FLOAT[32]" and types["ifd"] == types["mean_nll_unconditional"] == "DOUBLE"
    assert query(
        db,
        """select count(*) filter (where embedding is not null),
                  count(*) filter (where abs(ifd - mean_nll / mean_nll_unconditional) < 1e-9 and ifd > 0)
           from marts.mart_base_scores""",
    ) == [(pool, pool)]
    nearest = query(
        db,
        """select a.sample_id, max(array_cosine_similarity(a.embedding, b.embedding)),
                  max(array_cosine_similarity(a.embedding, b.embedding)) filter (where a.sample_id <> b.sample_id)
           from marts.mart_base_scores as a cross join marts.mart_base_scores as b group by 1""",
    )
    assert len(nearest) == pool and all(abs(best - 1) < 1e-5 and -1 <= other <= 1 + 1e-6 for _, best, other in nearest)
    assert query(db, "select count(quality_score), count(distinct quality_score) from marts.mart_quality_scores") == [
        (pool, pool)
    ]
    cache = db.with_name(db.name + ".sftmart") / "scores.sqlite"
    with closing(sqlite3.connect(cache)) as con:
        counts = [
            con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("lm_ifd", "lm_embeddings", "encoder_outputs")
        ]
    assert counts == [pool, pool, pool]  # base scores only; the guide scores ask for no signal


def test_final_adapter_reloads_with_peft(dag):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    db, dbt_vars = dag
    [(adapter_path,)] = query(db, "select adapter_path from marts.final_adapter")
    base = AutoModelForCausalLM.from_pretrained(dbt_vars["base_model"])
    model = PeftModel.from_pretrained(base, adapter_path)
    assert any("lora_" in name for name, _ in model.named_parameters())


def test_plain_sql_answers_which_chinese_samples_the_guide_learned_most(dag):
    db, _ = dag
    rows = query(
        db,
        """select l.sample_id, l.entropy_delta, left(p.instruction, 20)
                        from marts.mart_sample_learnability as l join marts.mart_candidate_pool as p using (sample_id)
                        where l.lang = 'zh' order by l.entropy_delta desc limit 3""",
    )
    assert rows and all(r[1] is not None for r in rows)


def test_rebuild_reuses_adapters_and_cached_scores(dag):
    db, dbt_vars = dag
    cache = db.with_name(db.name + ".sftmart") / "scores.sqlite"  # the warehouse's own folder
    with closing(sqlite3.connect(cache)) as con:
        cached = con.execute("select count(*) from lm_scores").fetchone()[0]
    pool = query(db, "select count(*) from marts.mart_candidate_pool")[0][0]
    assert cached == 2 * pool  # base and guide scores of every candidate
    dbt(
        "build",
        db,
        dbt_vars,
        select="path:models/marts path:models/scoring path:models/selection path:models/training path:models/evaluation path:models/experiment",
    )
    assert query(db, "select status from marts.guide_adapter union all select status from marts.final_adapter") == [
        ("reused",),
        ("reused",),
    ]
    assert query(db, "select count(*) from marts.training_runs") == [(2,)]  # reuse adds no run


def test_guide_scores_get_the_merged_model_through_ref(dag):
    """No run_query at compile time: the merged path is a scalar subquery on guide_adapter."""
    db, dbt_vars = dag
    dbt("compile", db, dbt_vars, select="mart_guide_scores")
    target = Path(os.environ.get("DBT_TARGET_PATH") or REPO / "dbt_project" / "target")
    [compiled] = target.glob("compiled/sftmart/models/scoring/mart_guide_scores.sql")
    sql = compiled.read_text()
    assert "select merged_model_path from" in sql and "guide_adapter" in sql
    [(merged,)] = query(db, "select merged_model_path from marts.guide_adapter")
    assert merged not in sql  # the path is read when the query runs, not pasted in when compiling


def test_learnability_rules_keep_what_the_guide_learned(dag):
    """Constructed scores: the guide lowered entropy on half the samples; each rule keeps those."""
    db, dbt_vars = dag
    with duckdb.connect(str(db)) as con:
        ids = [r[0] for r in con.execute("select sample_id from marts.mart_base_scores order by sample_id").fetchall()]
        learned = set(ids[::2])
        con.execute("update marts.mart_base_scores set mean_entropy = 2.0, mean_nll = 2.0")
        con.execute(
            "update marts.mart_guide_scores set mean_entropy = case when sample_id in ? then 1.5 else 2.5 end, "
            "mean_nll = case when sample_id in ? then 1.0 else 2.2 end",
            [list(learned), list(learned)],
        )
    dbt("run", db, dbt_vars, select="mart_sample_learnability")
    kept = {r[0] for r in query(db, "select sample_id from marts.mart_sample_learnability where is_learnable")}
    assert kept == learned
    dbt(
        "run",
        db,
        dbt_vars | {"learnability_rule": "top_fraction", "learnability_top_fraction": 0.5},
        select="mart_sample_learnability",
    )
    kept = {r[0] for r in query(db, "select sample_id from marts.mart_sample_learnability where is_learnable")}
    assert kept <= learned and len(kept) >= len(learned) // 2


def test_base_and_final_adapter_are_evaluated_on_the_bundled_eval_set(dag):
    db, _ = dag
    rows = query(db, "select arm, metric, count(distinct eval_set), sum(n) from marts.mart_eval_results group by all")
    got = {(arm, metric): (sets, n) for arm, metric, sets, n in rows}
    for arm in ("base", "final"):
        assert got[(arm, "nll")][0] == 4 and got[(arm, "nll")][1] > 0  # every bundled set has references
        assert got[(arm, "acc")] == (2, 60)  # mc-en and mc-zh: 30 questions each
        assert got[(arm, "rouge_l")][0] >= 2
    assert query(db, "select count(*) from marts.int_models_to_evaluate") == [(2,)]


def test_the_recipe_is_recorded_with_the_mix_and_the_final_run(dag):
    import hashlib
    import json

    db, _ = dag
    recipe = json.dumps([{"step": "learnability"}, {"by": "random", "step": "order"}])
    fingerprint = hashlib.md5(recipe.encode()).hexdigest()
    assert query(db, "select distinct selection_recipe, recipe_fingerprint from marts.mart_training_mix") == [
        (recipe, fingerprint)
    ]
    assert query(db, "select node, recipe_fingerprint from marts.training_runs order by node") == [
        ("final", fingerprint),
        ("guide", None),
    ]


def test_every_recipe_step_drops_with_its_reason_and_the_funnel_reconciles(dag):
    """A recipe of four filters, each threshold at a quantile of its signal so that every step drops
    rows: each row leaves at the first step it fails, with that step's reason, in
    mart_record_outcomes and at the funnel's `selected` stage (the dbt tests dbt_funnel_reconciles and
    dbt_selection_reasons_reconcile run in the same build and must pass)."""
    import json

    db, dbt_vars = dag
    [(ifd_q, ppl_q, quality_q)] = query(
        db,
        """select quantile_cont(b.ifd, 0.8), quantile_cont(b.perplexity, 0.8), quantile_cont(q.quality_score, 0.2)
           from marts.mart_base_scores as b join marts.mart_quality_scores as q using (sample_id)""",
    )
    recipe = [
        {"step": "learnability"},
        {"step": "ifd", "max": ifd_q},
        {"step": "perplexity", "max": ppl_q},
        {"step": "quality", "min": quality_q},
        {"step": "order", "by": "random"},
    ]
    selection = "mart_sample_selection mart_selection_order mart_training_mix mart_record_outcomes mart_pipeline_funnel"
    dbt_vars = dbt_vars | {"selection_recipe": recipe, "max_shrink_share": 1}
    dbt("build", db, dbt_vars, selection)
    dropped = dict(
        query(db, "select drop_reason, count(*) from marts.mart_sample_selection where not is_selected group by 1")
    )
    for step in ("ifd", "perplexity", "quality"):
        assert dropped.get(f"recipe:{step}_out_of_range", 0) > 0, (step, dropped)
    outcomes = dict(
        query(db, "select drop_reason, count(*) from marts.mart_record_outcomes where dropped_at_stage = 9 group by 1")
    )
    assert {reason: outcomes.get(reason) for reason in dropped} == dropped
    [(removed, by_reason)] = query(
        db,
        """select sum(rows_removed), sum(list_sum(map_values(removed_by_reason)))
           from marts.mart_pipeline_funnel where stage = 'selected'""",
    )
    assert removed == by_reason == sum(outcomes.values())
    assert json.loads(query(db, "select distinct selection_recipe from marts.mart_training_mix")[0][0]) == recipe


def test_kcenter_and_deita_orders_follow_each_candidates_own_embedding(dag):
    """The order node joins every candidate to its embedding: per language, its K-Center ranks are
    the brute force's picks over the same (centred) rows, and DEITA's chosen and rejected rows are
    the plain loop's, the rejected ones leaving with their reason."""
    import numpy as np
    from selection_oracle import deita_brute_force, kcenter_brute_force

    from udfs.selection.vectors import centered

    db, dbt_vars = dag
    budget, threshold = 800, 0.2  # the fixture's 15 candidates, ~1,900 tokens: about half of each language
    rejections = 0
    for by in ("kcenter", "deita"):
        recipe = [{"step": "order", "by": by} | ({"threshold": threshold} if by == "deita" else {})]
        dbt(
            "run",
            db,
            dbt_vars | {"selection_recipe": recipe, "token_budget": budget},
            "mart_sample_selection mart_selection_order",
        )
        for lang in ("en", "zh"):
            rows = query(
                db,
                f"""select s.n_tokens, b.embedding, o.selection_rank, o.drop_reason
                    from marts.mart_sample_selection as s
                    join marts.mart_base_scores as b using (sample_id)
                    join marts.mart_selection_order as o using (sample_id)
                    where s.is_selected and s.lang = '{lang}'
                    order by s.model_quality_score desc nulls last, s.ifd desc nulls last, s.sample_id""",
            )
            tokens = np.array([r[0] for r in rows])
            x = centered(np.array([r[1] for r in rows]))
            ranks = np.array([r[2] for r in rows])
            if by == "kcenter":
                picks = kcenter_brute_force(x, tokens, budget * 0.5, seed=42)
                assert 1 < len(picks) < len(rows)
                assert ranks[picks].tolist() == list(range(1, len(picks) + 1))
            else:
                chosen, rejected = deita_brute_force(x, tokens, budget * 0.5, range(len(rows)), threshold)
                rejections += len(rejected)
                assert ranks[chosen].tolist() == list(range(1, len(chosen) + 1))
                assert {i for i, r in enumerate(rows) if r[3] == "recipe:deita_too_similar"} == set(rejected.tolist())
    assert rejections > 0  # English rows of the fixture reach cosine 0.22-0.46 with another one


def test_cross_fitting_scores_every_row_with_the_guide_of_the_other_half(dag, tmp_path):
    """guide_cross_fit: two guides, each trained on one half of the guide sample (the rows its run's
    data fingerprint covers), each scoring the other half's candidates: no row is scored by a guide
    that trained on it; the funnel says which guide removed a row, out of sample. A copy of the
    warehouse, so the other tests keep the one guide."""
    import json
    import shutil

    from training.data import data_fingerprint

    db, dbt_vars = dag
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    cross = dbt_vars | {
        "guide_cross_fit": True,
        "guide_max_steps": None,
        "guide_heldout_rows": 2,
        "max_shrink_share": 1,
    }
    nodes = "mart_guide_sample guide_adapter mart_guide_scores mart_sample_learnability mart_sample_selection"
    dbt(
        "build",
        copy,
        cross,
        nodes + " mart_selection_order mart_record_outcomes mart_pipeline_funnel",
    )
    guides = query(copy, "select guide, status, steps, n_heldout, adapter_path from marts.guide_adapter order by 1")
    assert [(g, status, steps, n) for g, status, steps, n, _ in guides] == [
        ("guide-fold0", "trained", 2, 2),  # guide_max_steps null: the final adapter's max_steps
        ("guide-fold1", "trained", 2, 2),
    ]
    for guide, *_, adapter_path in guides:
        where = f"from marts.mart_guide_sample where trains_guide = '{guide}'"  # a name macros/guide.sql gives
        rows = query(copy, f"select sample_id, prompt, response {where} order by 1")
        assert rows and query(copy, f"select count(*) {where} and guide_fold <> {guide[-1]}") == [(0,)]
        run = json.loads((Path(adapter_path).parent / "run.json").read_text())
        assert run["data_fingerprint"] == data_fingerprint(
            [dict(zip(("sample_id", "prompt", "response"), r)) for r in rows]
        )
    pool = query(copy, "select count(*) from marts.mart_candidate_pool")[0][0]
    assert query(
        copy,
        """select count(*), count(distinct s.scored_by_guide), count(*) filter (where s.guide_in_sample),
                  count(*) filter (where s.scored_by_guide = g.trains_guide),
                  count(*) filter (where s.scored_by_guide = 'guide-fold' || g.guide_fold)
           from marts.mart_guide_scores as s left join marts.mart_guide_sample as g using (sample_id)""",
    ) == [(pool, 2, 0, 0, 0)]
    details = query(
        copy,
        """select distinct drop_detail from marts.mart_record_outcomes where drop_reason like 'learnability:%'""",
    )
    assert details and {d for (d,) in details} <= {"guide-fold0:out_of_sample", "guide-fold1:out_of_sample"}
