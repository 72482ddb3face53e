"""The model layer as part of the DAG, on the fixture with a tiny random model (fast, offline):
every step's table, the guide's settings, signals, the final adapter (conftest's `dag`)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing

import pytest
from model_layer_fixture import query

pytestmark = pytest.mark.slow


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
