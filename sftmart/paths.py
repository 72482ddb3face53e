"""Where things live: the warehouse file, the bundled sample, caches."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
PROFILES_DIR = REPO_ROOT / "profiles"
BUNDLED_SAMPLE = REPO_ROOT / "sample_data" / "alpaca-cot"
BUNDLED_EVAL = REPO_ROOT / "sample_data" / "eval"  # the evaluation set when eval_root is empty
EVAL_OFF = "none"  # the eval_root that turns evaluation off (Jinja's side: macros/evaluation_on.sql)


def eval_folder(eval_root: str) -> Path | None:
    """The folder the var eval_root names: the bundled set when it is empty, None when it is
    `none` (no evaluation set: evaluation and the experiment are off)."""
    if eval_root == EVAL_OFF:
        return None
    return Path(eval_root) if eval_root else BUNDLED_EVAL


def warehouse_path() -> Path:
    """`$SFTMART_DB` when set, else `warehouse.duckdb` at the repo root."""
    return Path(os.environ.get("SFTMART_DB") or REPO_ROOT / "warehouse.duckdb")


def warehouse_state_dir(warehouse: Path) -> Path:
    """The folder the project owns beside a warehouse file: `<warehouse>.sftmart/` holds the build
    copy and its lock (sftmart.publish), temporary files, and Great Expectations' results."""
    return warehouse.with_name(warehouse.name + ".sftmart")


def build_path(published: Path) -> Path:
    """Where dbt runs build `published` (sftmart.publish): the same file name, so the same catalog
    name in SQL, in the warehouse's own folder."""
    return warehouse_state_dir(published) / "build" / published.name


def read_copy_path(published: Path, pid: int) -> Path:
    """Where a dbt command that writes nothing (compile, docs, test, show) reads `published` from:
    a snapshot of its own, so it neither waits for nor disturbs a build in progress."""
    return warehouse_state_dir(published) / "read" / str(pid) / published.name


def published_path(database_file: str | os.PathLike) -> Path:
    """The published warehouse a DuckDB file stands for: the file itself, or for a build copy or a
    read copy the published file (adapters, caches, reports and temporary files live beside it)."""
    path = Path(database_file).resolve()
    state_name = f"{path.name}.sftmart"
    folder = path.parent  # <state>/build/<name>, or <state>/read/<pid>/<name>
    if folder.name == "build" and folder.parent.name == state_name:
        return folder.parent.parent / path.name
    if folder.parent.name == "read" and folder.parent.parent.name == state_name:
        return folder.parent.parent.parent / path.name
    return path


def warehouse_of(con) -> Path:
    """The published warehouse of a DuckDB connection (of the dbt run's build copy, or the file
    itself); sftmart.paths.warehouse_path() for an in-memory database."""
    [(path,)] = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    return published_path(path) if path else warehouse_path().resolve()


def project_tmp_dir(warehouse: Path) -> Path:
    """Temporary files of runs on `warehouse`; each user names its own entries and clears stale ones."""
    path = warehouse_state_dir(warehouse) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Converted models and tokenizers; `$SFTMART_CACHE` overrides `~/.cache/sftmart`."""
    root = Path(os.environ.get("SFTMART_CACHE") or Path.home() / ".cache" / "sftmart")
    root.mkdir(parents=True, exist_ok=True)
    return root


def staging_dir_for(target: Path) -> Path:
    """A fresh directory beside `target` to build it in, unique per process and thread."""
    import uuid

    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def remove_stale_staging_dirs(target: Path) -> list[Path]:
    """Removes the staging dirs of `target` (see staging_dir_for) left by processes that are gone
    (killed mid-write); those of live processes stay. Returns what it removed."""
    import re
    import shutil

    pattern = re.compile(re.escape(f".{target.name}.tmp-") + r"(\d+)-[0-9a-f]{8}")
    removed = []
    for path in target.parent.glob(f".{target.name}.tmp-*") if target.parent.is_dir() else ():
        match = pattern.fullmatch(path.name)
        if match and not pid_alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def pid_alive(pid: int) -> bool:
    """Whether process `pid` still runs (this process counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def publish_dir(staging: Path, target: Path, replace: bool = False) -> None:
    """Renames the finished `staging` to `target`. Another writer may have published first: then
    `staging` is dropped (or, with replace, the old target is)."""
    import shutil

    if replace and target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:
        if not target.exists():
            raise
        shutil.rmtree(staging, ignore_errors=True)


def load_or_build_arrays(path: Path, build) -> dict:
    """The arrays saved at `path` (.npz); when missing or unreadable, `build()`'s dict of arrays,
    saved there first. Concurrent writers each stage their own file and rename it into place."""
    import uuid

    import numpy as np

    try:
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, KeyError, ValueError):
        pass
    arrays = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f"{path.stem}.{uuid.uuid4().hex}.tmp.npz")
    np.savez(staging, **arrays)
    os.replace(staging, path)  # atomic: a concurrent reader sees no file or the whole new one
    return arrays
