"""Each experiment arm's loss curve on the primary metric (held-out response NLL) over the tokens
it trained on, one point per budget fraction, and the headline "random needs N tokens to match the
arm at its budget" (evaluation/arm_curve.py)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from evaluation.arm_curve import curve_node

    return curve_node(dbt.ref("mart_eval_results"), dbt.ref("mart_arm_mixes"))
