"""Every evaluated model's metrics on the held-out evaluation sets: one row per (model, eval set,
language, metric), from evaluation.evaluate_model (response NLL and perplexity, multiple-choice
acc / acc_norm, ROUGE-L of greedy generations). Results are cached beside the warehouse, so only
models new to this build are evaluated."""


def model(dbt, session):
    dbt.config(materialized="table")
    from evaluation.node import eval_results_node

    return eval_results_node(
        session,
        dbt.ref("int_models_to_evaluate"),
        dbt.ref("int_eval_records_filtered"),
        dbt.config.get("eval_settings"),
    )
