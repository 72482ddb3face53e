"""Every evaluated model's response NLL per held-out evaluation row: one row per (model, eval_id)
with the summed NLL in nats and the tokens scored (evaluation.evaluate_model with items), the
paired items the arm comparison's bootstrap resamples. Read from the cache mart_eval_results filled,
so no model is loaded twice."""


def model(dbt, session):
    dbt.config(materialized="table")
    from evaluation.node import eval_results_node

    dbt.ref("mart_eval_results")  # after it: its cache entries hold these rows
    return eval_results_node(
        session,
        dbt.ref("int_models_to_evaluate"),
        dbt.ref("int_eval_records_filtered"),
        dbt.config.get("eval_settings"),
        items=True,
    )
