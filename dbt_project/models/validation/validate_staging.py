"""Great Expectations suite of the staging layer (expectations/suites/staging.py), as a dbt node.

Runs after the staging model; intermediate depends on it (`-- depends_on`), so a blocking failure
here skips everything downstream. Appends one row per expectation each build (see expectations.dbt_node)."""


def model(dbt, session):
    dbt.config(materialized="incremental")
    dbt.ref("stg_alpaca_cot__records")
    dbt.ref("alpaca_cot_records")
    import json

    from expectations.dbt_node import validation_node

    dbt_vars = json.loads(dbt.config.get("vars_json"))
    return validation_node(session, "staging", dbt_vars)
