"""Great Expectations suite of the raw layer (expectations/suites/raw.py), as a dbt node.

Runs after every raw model; staging depends on it (`-- depends_on`), so a blocking failure here
skips everything downstream. Appends one row per expectation each build (see expectations.dbt_node)."""


def model(dbt, session):
    dbt.config(materialized="incremental")
    dbt.ref("alpaca_cot_landing")
    dbt.ref("alpaca_cot_records")
    dbt.ref("rejected_records")
    dbt.ref("landed_files")
    dbt.ref("eval_landing")
    import json

    from expectations.dbt_node import validation_node

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    return validation_node(session, "raw", dbt_vars)
