"""Great Expectations suite of the marts layer (expectations/suites/marts.py), as a dbt node.

Runs after every mart the training mix is made of and the budget it draws (intermediate.int_mix_budget,
an intermediate step that reads the marts, so checked here); the final adapter depends on it, so a blocking
failure here means no training on a bad mix. Appends one row per expectation each build (see
expectations.dbt_node)."""


def model(dbt, session):
    dbt.config(materialized="incremental")
    dbt.ref("mart_candidate_pool")
    dbt.ref("mart_sample_learnability")
    dbt.ref("mart_training_mix")
    dbt.ref("int_mix_budget")
    dbt.ref("mart_arm_mixes")
    dbt.ref("mart_pipeline_funnel")
    dbt.ref("mart_record_outcomes")
    dbt.ref("alpaca_cot_records")
    import json

    from expectations.dbt_node import validation_node

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    return validation_node(session, "marts", dbt_vars)
