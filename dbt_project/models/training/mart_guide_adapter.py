"""The guide model: a LoRA adapter trained on mart_guide_sample, merged into the base for scoring.

Retrained only when its fingerprint (base model + guide sample + training config) changes; one row
records the run and where the adapter and the merged model are.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from training.dag import adapter_node, settings_from_config

    settings = settings_from_config(dbt.config.get("training_settings"))
    return adapter_node(session, dbt.ref("mart_guide_sample"), settings, node="guide", merge=True)
