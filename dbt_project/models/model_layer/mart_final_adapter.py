"""The final model: a LoRA adapter trained on the training mix (the curated, learnable data).

Retrained only when its fingerprint changes; one row records the run (training_runs appends it
to the history) and where the adapter is, in standard peft format.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("validate_marts")  # trained only on a mix that passed the marts suite
    from training.dag import adapter_node, settings_from_config

    settings = settings_from_config(dbt.config.get("training_settings"))
    return adapter_node(session, dbt.ref("mart_training_mix"), settings, node="final", merge=False)
