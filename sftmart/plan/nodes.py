"""The nodes a `dbt build` runs, from dbt's own parse (`dbt ls --output json`), in DAG order.

Parsing the project takes dbt 10-20 s on two shared cores, so the node list is cached under the
user's cache dir, keyed by a digest of the project's files (names, sizes, modification times):
every model runs whatever the vars say (the model layer's nodes return empty tables when it is
off), so the list depends on the project only. dbt writes its parse into a target folder of the
cache, never into the project's own `target/` that a running build uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sftmart.paths import DBT_PROJECT_DIR, PROFILES_DIR, cache_dir

RESOURCE_TYPES = ("model", "seed", "test")
OUTPUT_KEYS = ("unique_id", "name", "resource_type", "depends_on", "original_file_path", "config")
PROJECT_PARTS = ("models", "macros", "seeds", "tests", "dbt_project.yml")


@dataclass(frozen=True)
class Node:
    unique_id: str
    name: str
    resource_type: str  # model, seed or test
    path: str  # the file in dbt_project/ (a model's folder is its layer)
    materialized: str  # view, table, incremental, test, seed
    parents: tuple[str, ...]  # unique_ids of the nodes it depends on
    schema: str = ""  # the schema of its relation (models and seeds)

    @property
    def layer(self) -> str:
        parts = Path(self.path).parts
        return parts[1] if len(parts) > 2 and parts[0] == "models" else self.resource_type

    @property
    def is_python(self) -> bool:
        return self.path.endswith(".py")


def project_digest(project: Path = DBT_PROJECT_DIR) -> str:
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        root = project / part
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            stat = path.stat()
            digest.update(f"{path.relative_to(project)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _from_json(line: dict) -> Node:
    config = line.get("config") or {}
    kind = line["resource_type"]
    return Node(
        unique_id=line["unique_id"],
        name=line["name"],
        resource_type=kind,
        path=line.get("original_file_path") or "",
        materialized=kind if kind in ("test", "seed") else str(config.get("materialized") or "view"),
        parents=tuple((line.get("depends_on") or {}).get("nodes") or ()),
        schema=str(config.get("schema") or ""),
    )


def dbt_ls(target: Path) -> list[dict]:
    """`dbt ls` of the project's models, seeds and tests, in-process (dbt's programmatic runner)."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("SFTMART_DB", str(target / "ls.duckdb"))  # parsing opens no database
    args = ["ls", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(PROFILES_DIR), "--quiet"]
    args += ["--target-path", str(target), "--log-path", str(target), "--output", "json"]
    args += ["--resource-type", *RESOURCE_TYPES, "--output-keys", *OUTPUT_KEYS]
    args += ["--log-level", "none", "--log-level-file", "none"]
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # ls prints what it lists
        result = dbtRunner().invoke(args)
    if not result.success:
        raise RuntimeError(f"dbt ls failed: {result.exception}")
    return [json.loads(x) if isinstance(x, str) else x for x in result.result]


def dag_nodes(refresh: bool = False) -> list[Node]:
    """The build's nodes in an order where every node comes after its parents."""
    folder = cache_dir() / "plan"
    cached = folder / f"nodes-{project_digest()}.json"
    if refresh or not cached.exists():
        folder.mkdir(parents=True, exist_ok=True)
        lines = dbt_ls(folder / "target")
        staging = cached.with_suffix(f".{os.getpid()}.tmp")
        staging.write_text(json.dumps(lines))
        os.replace(staging, cached)
    nodes = [_from_json(x) for x in json.loads(cached.read_text())]
    return topological(nodes)


def topological(nodes: list[Node]) -> list[Node]:
    by_id = {n.unique_id: n for n in nodes}
    done: dict[str, Node] = {}

    def visit(node: Node, stack: tuple = ()) -> None:
        if node.unique_id in done or node.unique_id in stack:
            return
        for parent in node.parents:
            if parent in by_id:
                visit(by_id[parent], (*stack, node.unique_id))
        done[node.unique_id] = node

    for node in sorted(nodes, key=lambda n: n.unique_id):
        visit(node)
    return list(done.values())
