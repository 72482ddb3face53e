"""The final model: a LoRA adapter trained on the training mix (the curated, learnable data).

Retrained only when its fingerprint changes; one row records the run (training_runs appends it
to the history) and where the adapter is, in standard peft format.
"""


def runs_after_validation(dbt):
    """Never called: dbt reads this ref when parsing, so the node is trained only on a mix that
    passed the marts suite (a Python model's `-- depends_on`; loading validate_marts would fail in
    a build that leaves validation out)."""
    dbt.ref("validate_marts")


def model(dbt, session):
    dbt.config(materialized="table")
    from training.dag import adapter_node, settings_from_config

    settings = settings_from_config(dbt.config.get("training_settings"))
    return adapter_node(session, dbt.ref("mart_training_mix"), settings, node="final", merge=False)
