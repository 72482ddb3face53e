"""Each experiment arm against the random arm: int_arm_metrics_compared's rows, with the primary
metric of every evaluation set (held-out response NLL) decided by a hierarchical bootstrap over seeds
and items of mart_eval_item_nll, ranked among the random arm's draws and corrected by Holm
(evaluation/arm_comparison.py)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from evaluation.arm_comparison import comparison_node

    return comparison_node(dbt.ref("int_arm_metrics_compared"), dbt.ref("mart_eval_item_nll"))
