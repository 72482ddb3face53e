"""`sftmart plan`: what a `sftmart build` with these vars and this raw_root would cost, before it
runs: for every node, the rows and tokens it processes, what the caches already hold, its
estimated time, peak memory and disk (sftmart.plan.estimate); the total and the largest nodes,
what to change to fit a time (sftmart.plan.suggest); rendered by sftmart.plan.render.

Modules: nodes (the DAG from dbt's parse), scan (raw_root), volumes (rows and tokens per node),
calibrate (this machine's throughputs on the real model), costs (the cost model), cache (what the
score cache and the adapters already hold), estimate (the plan), suggest, render, progress (the
build's overall ETA line).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_MAX_BUILD_HOURS = 2.0  # when dbt_project.yml's default cannot be read


def effective_vars(dbt_vars: dict) -> dict:
    """The user's vars over dbt's own defaults (dbt_project.yml `vars:`)."""
    from sftmart.vars import var_defaults

    return dict(var_defaults()) | dict(dbt_vars)


def raw_root_of(dbt_vars: dict) -> Path:
    from sftmart.paths import BUNDLED_SAMPLE

    return Path(dbt_vars.get("raw_root") or BUNDLED_SAMPLE)


def make_plan(dbt_vars: dict, warehouse: Path, recalibrate: bool = False):
    """The plan of a build with `dbt_vars` (the user's, defaults filled in) on `warehouse`."""
    from sftmart.plan.estimate import Planner

    return Planner(effective_vars(dbt_vars), warehouse, recalibrate=recalibrate).plan()


def training_settings(node: str, dbt_vars: dict) -> dict:
    """The settings `node` trains with: the guide's own (its training_settings in
    models/training/_training__models.yml: guide_* vars, guide_max_steps null = max_steps), else the
    final adapter's vars."""
    if node != "guide_adapter":
        return dbt_vars
    guide = {k: dbt_vars[f"guide_{k}"] for k in ("lora_r", "lora_alpha", "learning_rate", "epochs")}
    steps = dbt_vars["guide_max_steps"]
    return dbt_vars | guide | {"max_steps": dbt_vars["max_steps"] if steps is None else steps}
