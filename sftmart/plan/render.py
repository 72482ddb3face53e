"""The plan printed: a table of the nodes (the dbt data tests as one line), the total, the three
largest nodes, and what to change to fit `--within`; or one JSON object (`--json`)."""

from __future__ import annotations

import json

from sftmart.plan.estimate import Plan
from sftmart.plan.suggest import Suggestion


def duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _cached(value) -> str:
    if value is True:
        return "reused"
    if value is False or value == 0:
        return ""
    return f"{value:.0%} scored"


def plan_json(plan: Plan, suggestion: Suggestion | None = None) -> str:
    out = plan.to_json()
    if suggestion is not None:
        out["within"] = {
            "fits": suggestion.fits,
            "vars": suggestion.vars,
            "steps": suggestion.steps,
            "seconds": round(suggestion.seconds, 1),
            "alternatives": suggestion.alternatives,
        }
    return json.dumps(out, default=str)


def summary_lines(plan: Plan) -> list[str]:
    largest = ", ".join(f"{n.node} {duration(n.seconds)}" for n in plan.largest(3))
    return [
        f"plan: about {duration(plan.total_seconds)} on this machine (contention {plan.contention:.1f}x: load per core now), "
        f"peak RSS {plan.peak_rss_mb:,.0f} MB, disk {plan.disk_mb:,.0f} MB ({plan.wap_copy_mb:,.0f} MB of it the "
        "write-audit-publish build file)",
        f"largest: {largest}",
    ]


def print_plan(
    plan: Plan,
    suggestion: Suggestion | None = None,
    bound_s: float | None = None,
    command: str = "",
    user_vars: dict | None = None,
) -> None:
    """`command`: the build command (up to `--vars `) the user's vars and the suggested ones follow."""
    from rich.console import Console
    from rich.table import Table

    raw = plan.raw
    console = Console(width=max(Console().width, 150))
    console.print(
        f"raw_root {raw['root']}: {raw['files']} files, {raw['bytes'] / 2**20:,.1f} MB, ~{raw['records']:,} records"
        f" ({'counted' if raw['exact'] else 'sampled'}), {raw['tokens_per_record']} tokens per record; rows "
        + (
            "from the published warehouse (built from these files)"
            if raw["warehouse_current"]
            else "projected from the scan"
        ),
        soft_wrap=True,
    )
    table = Table(title="sftmart plan")
    for column in ("node", "rows", "tokens", "time", "peak RSS MB", "disk MB", "cached", "elsewhere"):
        table.add_column(column, justify="left" if column in ("node", "cached") else "right")
    tests = [n for n in plan.nodes if n.node.startswith("test:")]
    for n in plan.nodes:
        if n.node.startswith("test:"):
            continue
        alt = duration(n.alt_seconds) if n.alt_seconds is not None else ""
        table.add_row(
            n.node, f"{n.rows:,}", f"{n.tokens:,}" if n.tokens else "", duration(n.seconds),
            f"{n.peak_rss_mb:,.0f}", f"{n.disk_mb:,.1f}", _cached(n.cached), alt,
        )  # fmt: skip
    if tests:
        table.add_row(f"{len(tests)} dbt data tests", "", "", duration(sum(t.seconds for t in tests)), "", "", "", "")
    console.print(table)
    for line in summary_lines(plan):
        console.print(line, soft_wrap=True)
    if any(n.alt_seconds is not None for n in plan.nodes):
        console.print(f"elsewhere: the model-heavy nodes on {plan.alt_label}", soft_wrap=True)
    if suggestion is None:
        return
    if not suggestion.steps:
        console.print(f"fits within {duration(bound_s)}: nothing to change")
        return
    verdict = "fits" if suggestion.fits else "still does not fit"
    console.print(f"to fit within {duration(bound_s)} ({verdict}: {duration(suggestion.seconds)}):", soft_wrap=True)
    for step in suggestion.steps:
        console.print(f"  - {step}", soft_wrap=True)
    console.print(f"  {command}'{json.dumps((user_vars or {}) | suggestion.vars)}'", soft_wrap=True)
    for line in suggestion.alternatives:
        console.print(f"  {line}", soft_wrap=True)
