"""The experiment's arms: one LoRA adapter per (arm, seed) of mart_arm_mixes, with the final
adapter's LoRA settings and the arm seed as training seed (training.arms); reused while each
fingerprint holds. One row per run (marts.training_runs appends them, node 'arm'); no rows when the
arms var is empty or the model layer is off."""


def runs_after(dbt):
    """Never called: dbt reads these refs when parsing, so the arms train on mixes that passed the
    marts suite, and after the final adapter (model-heavy nodes never share the cores)."""
    dbt.ref("validate_marts")
    dbt.ref("final_adapter")


def model(dbt, session):
    dbt.config(materialized="table")
    from training.arms import arm_adapters_node
    from training.dag import settings_from_config

    settings = settings_from_config(dbt.config.get("training_settings"))
    return arm_adapters_node(session, dbt.ref("mart_arm_mixes"), settings)
