"""The guide model(s): LoRA adapters trained on mart_guide_sample with the guide's own settings
(the guide_* vars), each merged into the base for scoring; two with guide_cross_fit, one per half.

Retrained only when a fingerprint (base model + training rows + held-out rows + config) changes; one
row per guide records its run, its held-out loss before and after, and where its models are.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from training.dag import guide_node, settings_from_config

    settings = settings_from_config(dbt.config.get("training_settings"))
    return guide_node(session, dbt.ref("mart_guide_sample"), settings)
