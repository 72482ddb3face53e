"""The CLI's side of the plan: `sftmart plan`, and the check `sftmart build` makes before dbt
starts: a build whose plan exceeds `max_build_hours` (a var, default 2) stops before the model
layer runs, and before anything is written, with the plan and how to go on (`--yes`, the var, or
the changes `--within` would suggest); the published warehouse stays as it was."""

from __future__ import annotations

import json
import sys

from sftmart.cli_errors import UserError
from sftmart.plan import DEFAULT_MAX_BUILD_HOURS, effective_vars
from sftmart.plan.render import duration, plan_json, print_plan, summary_lines
from sftmart.plan.suggest import parse_duration, suggest

STOPPED_EXIT = 3  # a build the plan stopped (1 is a failed build, 2 a usage error)


def build_command(raw_root: str | None) -> str:
    return "sftmart build " + (f"--raw-root {raw_root} " if raw_root else "") + "--vars "


def run_plan(args, dbt_vars: dict, warehouse) -> int:
    from sftmart.plan.estimate import Planner

    try:
        bound = parse_duration(args.within) if args.within else None
    except ValueError as error:
        raise UserError(f"--within: {error}") from None
    planner = Planner(effective_vars(dbt_vars), warehouse, recalibrate=args.recalibrate)
    plan = planner.plan()
    suggestion = suggest(planner, bound) if bound is not None else None
    if args.json:
        print(plan_json(plan, suggestion))
        return 0
    user_vars = {k: v for k, v in dbt_vars.items() if k != "raw_root"}
    print_plan(plan, suggestion, bound, build_command(args.raw_root), user_vars)
    return 0


def build_gate(dbt_vars: dict, warehouse, yes: bool, raw_root: str | None):
    """The plan of this build, or None (with the plan printed) when it exceeds max_build_hours and
    the user did not say --yes: then the build must not start. False when no plan could be made
    (the build goes on without an ETA, and says why: the plan must never be what breaks a build)."""
    from sftmart.plan.estimate import Planner

    effective = effective_vars(dbt_vars)
    hours = float(effective.get("max_build_hours", DEFAULT_MAX_BUILD_HOURS))
    try:
        planner = Planner(effective, warehouse, measure=not yes)  # --yes: no calibration run for an ETA
        plan = planner.plan()
    except Exception as error:  # noqa: BLE001 - reported, and the build goes on
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(
            f"sftmart: no plan for this build ({type(error).__name__}: {first}); building without an ETA",
            file=sys.stderr,
        )
        return False
    for line in summary_lines(plan):
        print(line, file=sys.stderr)
    if yes or plan.total_seconds <= hours * 3600:
        return plan
    suggestion = suggest(planner, hours * 3600)
    user_vars = {k: v for k, v in dbt_vars.items() if k != "raw_root"}
    print_plan(plan, suggestion, hours * 3600, build_command(raw_root), user_vars)
    ahead = json.dumps(user_vars | {"max_build_hours": round(plan.total_seconds / 3600 + 0.5, 1)})
    print(
        f"sftmart: stopped before the model layer: the plan ({duration(plan.total_seconds)}) exceeds max_build_hours "
        f"({hours:g} h); nothing was built and {warehouse} is unchanged. To go on: add --yes, or raise the var "
        f"(--vars '{ahead}'), or apply the changes above.",
        file=sys.stderr,
    )
    return None
