"""Great Expectations suite of the raw layer (expectations/suites/raw.py), as a dbt node.

Runs after every raw model; staging depends on it (`-- depends_on`), so a blocking failure here
skips everything downstream. Appends one row per expectation each build (see expectations.dbt_node)."""


def model(dbt, session):
    dbt.config(materialized="incremental")
    dbt.ref("alpaca_cot_landing")
    dbt.ref("alpaca_cot_records")
    dbt.ref("rejected_records")
    dbt.ref("landed_files")
    from expectations.dbt_node import validation_node

    dbt_vars = {
        "raw_root": dbt.config.get("raw_root"),
        "max_file_bytes": dbt.config.get("max_file_bytes"),
        "follow_external_symlinks": dbt.config.get("follow_external_symlinks"),
    }
    return validation_node(session, "raw", dbt_vars)
