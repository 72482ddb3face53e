"""Where the landing's Parquet stages live: `<warehouse dir>/.sftmart-tmp/landing-<pid>-*`.

The folder of this process is removed at exit; one left by a killed landing (its pid is gone)
is removed by the next landing. Beside the warehouse rather than in the system temp folder, so
a kill -9 leaves nothing behind for good and the stages sit on the warehouse's disk.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

TMP_DIR_NAME = ".sftmart-tmp"  # beside the warehouse file: the project's own temporary folder

_STAGE_DIRS: list[str] = []


def _cleanup_stage_dirs() -> None:
    for d in _STAGE_DIRS:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup_stage_dirs)


def tmp_root(con) -> Path:
    """`.sftmart-tmp` beside the DuckDB file `con` writes to (for an in-memory database,
    beside sftmart.paths.warehouse_path())."""
    try:
        rows = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    except Exception:  # noqa: BLE001 - any connection that cannot say falls back below
        rows = []
    if rows and rows[0][0]:
        return Path(rows[0][0]).resolve().parent / TMP_DIR_NAME
    from sftmart.paths import warehouse_path

    return warehouse_path().resolve().parent / TMP_DIR_NAME


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_stage_dir(root: Path) -> str:
    """A fresh `landing-<pid>-*` folder under `root`, after removing the folders left there by
    landings whose process is gone (killed: atexit never ran)."""
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("landing-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    stage_dir = tempfile.mkdtemp(prefix=f"landing-{os.getpid()}-", dir=root)
    _STAGE_DIRS.append(stage_dir)
    return stage_dir
