"""The model layer's rebuild, reuse and selection on the tiny-model DAG (conftest's `dag`): cached
scores and adapters reused (and the plan sees them), learnability rules, evaluation, the recipe's
steps and reasons, K-Center and DEITA, cross-fitting."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pytest
from conftest import REPO
from model_layer_fixture import dbt, query

pytestmark = pytest.mark.slow


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


def test_the_plan_counts_the_published_adapters_and_scores_as_cached(dag):
    """sftmart plan on the built warehouse: both adapters' content-addressed folders are there and
    their recorded configs are what the vars give each node (the guide its own), so both count as
    cached; a changed guide setting un-caches the guide only."""
    from sftmart.plan import effective_vars
    from sftmart.plan.estimate import Planner

    db, dbt_vars = dag
    calibration = {"load_seconds": 3.0, "score_tokens_per_s": 400.0, "train_tokens_per_s": 230.0,
                   "train_setup_seconds": 5.0, "generate_tokens_per_s": 40.0}  # fmt: skip
    plan = Planner(effective_vars(dbt_vars), db, calibration=calibration)
    assert plan.cache["adapters"] == {"guide_adapter": True, "final_adapter": True}
    assert plan.cache["base_scores"] == 1.0
    changed = Planner(effective_vars(dbt_vars | {"guide_learning_rate": 0.002}), db, calibration=calibration)
    assert changed.cache["adapters"] == {"guide_adapter": False, "final_adapter": True}


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
    assert query(db, "select count(*) from intermediate.int_models_to_evaluate") == [(2,)]


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


def test_a_score_sample_scores_only_its_rows_and_the_rest_leave_with_their_reason(dag, tmp_path):
    """score_sample_rows: base and guide scoring see only the seeded sample; every other candidate
    leaves the curated mix with not_scored:outside_score_sample, in the outcomes and the funnel (whose
    reconciling tests run in the same build). The default recipe needs no IFD, so with ifd `auto` its
    second pass is skipped, as the plan's twin says. A copy of the warehouse, for the other tests."""
    import shutil

    from sftmart.plan import effective_vars
    from sftmart.plan.costs import ifd_needed

    db, dbt_vars = dag
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    pool = query(copy, "select count(*) from marts.mart_candidate_pool")[0][0]
    sampled = dbt_vars | {"score_sample_rows": pool - 5, "ifd": "auto", "max_shrink_share": 1}
    nodes = "int_candidates_score_sampled mart_base_scores mart_guide_scores mart_sample_learnability"
    nodes += " int_samples_semantic_deduped mart_sample_selection mart_selection_order mart_training_mix"
    dbt("build", copy, sampled, nodes + " mart_record_outcomes mart_pipeline_funnel")
    chosen = {r[0] for r in query(copy, "select sample_id from intermediate.int_candidates_score_sampled")}
    assert len(chosen) == pool - 5
    for scores in ("mart_base_scores", "mart_guide_scores"):
        assert {r[0] for r in query(copy, f"select sample_id from marts.{scores}")} == chosen
    assert query(copy, "select count(ifd), count(embedding) from marts.mart_base_scores") == [(0, pool - 5)]
    assert ifd_needed(effective_vars(sampled)) is False and ifd_needed(effective_vars(dbt_vars)) is True
    outside = query(
        copy,
        """select s.sample_id, o.drop_reason from marts.mart_sample_selection as s
           join marts.mart_record_outcomes as o using (sample_id) where not s.is_selected
           and s.drop_reason = 'not_scored:outside_score_sample'""",
    )
    assert len(outside) == 5 and all(reason == "not_scored:outside_score_sample" for _, reason in outside)
    assert not {sample_id for sample_id, _ in outside} & chosen
    [(mixed, from_sample)] = query(
        copy,
        """select count(*), count(s.sample_id) from marts.mart_training_mix as m
           left join intermediate.int_candidates_score_sampled as s using (sample_id)""",
    )
    assert mixed > 0 and from_sample == mixed
