"""Helpers for tests that read what a dbt run did: patched copies of the project (a model made to
produce a corrupted layer), node statuses from run_results.json, the DAG from manifest.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import run_dbt

from sftmart.paths import DBT_PROJECT_DIR

LAYERS = ("raw", "staging", "intermediate", "marts")


def copy_project(dest: Path) -> Path:
    """A copy of dbt_project/ (without its target and logs) to patch."""
    shutil.copytree(DBT_PROJECT_DIR, dest, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return dest


def wrap_sql_model(project: Path, relpath: str, select: str) -> None:
    """Rewrites a SQL model as `with original_model as (<its SQL>) <select>`."""
    path = project / "models" / relpath
    path.write_text(f"with original_model as (\n{path.read_text()}\n)\n{select}\n", encoding="utf-8")


def wrap_python_model(project: Path, relpath: str, expression: str) -> None:
    """Rewrites a Python model so it returns `expression` of what it returned (`result`)."""
    path = project / "models" / relpath
    code = path.read_text().replace("def model(dbt, session):", "def original_model(dbt, session):")
    path.write_text(
        code + f"\n\ndef model(dbt, session):\n    result = original_model(dbt, session)\n    return {expression}\n",
        encoding="utf-8",
    )


class Run:
    """One dbt invocation: its console log, the status of every node and the manifest."""

    def __init__(self, log: str, target: Path):
        self.log = log
        results = json.loads((target / "run_results.json").read_text())["results"]
        self.status = {r["unique_id"]: r["status"] for r in results}
        self.message = {r["unique_id"]: r.get("message") or "" for r in results}
        self.manifest = json.loads((target / "manifest.json").read_text())

    def node(self, name: str, resource_type: str = "model") -> str:
        return f"{resource_type}.sftmart.{name}"

    def test(self, name: str) -> str:
        """The unique id of the data test called `name`."""
        [unique_id] = [
            u for u, n in self.manifest["nodes"].items() if n["resource_type"] == "test" and n["name"] == name
        ]
        return unique_id

    def gate(self, layer: str) -> str:
        """The unique id of the data test that gates validate_<layer>."""
        [test] = [
            c
            for c in self.manifest["child_map"][self.node(f"validate_{layer}")]
            if c.startswith("test.sftmart.gx_blocking_expectations_met")
        ]
        return test

    def descendants(self, unique_id: str) -> set[str]:
        seen, todo = set(), [unique_id]
        while todo:
            for child in self.manifest["child_map"].get(todo.pop(), []):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def executed(self, unique_ids) -> set[str]:
        """The ones among `unique_ids` that dbt ran (not skipped), with the run's statuses."""
        return {u for u in unique_ids if u in self.status and self.status[u] != "skipped"}

    def relations(self) -> set[tuple[str, str]]:
        """(schema, name) of every model and seed dbt materialises."""
        return {
            (n["schema"], n.get("alias") or n["name"])
            for n in self.manifest["nodes"].values()
            if n["resource_type"] in ("model", "seed") and n["config"].get("materialized") != "ephemeral"
        }


def dbt_build(
    db_path: Path, target: Path, dbt_vars: dict, *args: str, project_dir: Path | None = None, check: bool = True
) -> Run:
    log = run_dbt("build", db_path, dbt_vars, "--target-path", str(target), *args, check=check, project_dir=project_dir)
    return Run(log, target)
