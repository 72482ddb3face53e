"""Great Expectations suite of the intermediate layer (expectations/suites/intermediate.py), as a dbt node.

Runs after every model of models/intermediate/; the marts depend on it (`-- depends_on` in
mart_candidate_pool), so a blocking failure here skips everything downstream. The model side's int_*
steps (models/scoring/, selection/, ...) build in the intermediate schema too but read the marts, so
they come after this node: the marts suite checks what of them a mix depends on (int_mix_budget). Appends one row per expectation each build
(see expectations.dbt_node)."""


def model(dbt, session):
    dbt.config(materialized="incremental")
    dbt.ref("int_records_cleaned")
    dbt.ref("int_records_cleaning_diff")
    dbt.ref("int_records_lang_tagged")
    dbt.ref("int_records_quality_scored")
    dbt.ref("int_samples_exact_deduped")
    dbt.ref("int_samples_minhashed")
    dbt.ref("int_near_duplicate_components")
    dbt.ref("int_duplicate_clusters")
    dbt.ref("int_samples_tokenized")
    from expectations.dbt_node import validation_node

    dbt_vars = {}
    return validation_node(session, "intermediate", dbt_vars)
