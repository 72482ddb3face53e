"""Where the landing's Parquet stages live: `<warehouse>.sftmart/tmp/landing/landing-<pid>-*`.

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

from sftmart.paths import pid_alive, project_tmp_dir, warehouse_of

_STAGE_DIRS: list[str] = []


def _cleanup_stage_dirs() -> None:
    for d in _STAGE_DIRS:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup_stage_dirs)


def tmp_root(con) -> Path:
    """The landing's part of the project's temporary folder of the warehouse `con` builds."""
    return project_tmp_dir(warehouse_of(con)) / "landing"


def make_stage_dir(root: Path) -> str:
    """A fresh `landing-<pid>-*` folder under `root`, after removing the folders left there by
    landings whose process is gone (killed: atexit never ran)."""
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("landing-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    stage_dir = tempfile.mkdtemp(prefix=f"landing-{os.getpid()}-", dir=root)
    _STAGE_DIRS.append(stage_dir)
    return stage_dir
