"""Write, audit, publish: dbt never writes the published warehouse file.

A dbt run works on a private copy of the published file, `<warehouse>.sftmart/build/<name>` (the
same file name, so the same catalog name in SQL), holding `<warehouse>.sftmart/build.lock` while
it does. The run audits its own work (dbt data tests and the Great Expectations validation nodes
of `dbt build`); its `on-run-end` hook says whether every node passed, and only then, after DuckDB
has closed the copy, is the copy renamed over the published file: one atomic `rename`, so a reader
sees the old warehouse or the new one, never half of either. A run that fails anywhere (a blocking
expectation, a shrink guard, a crash, a full disk, a kill) leaves the published file exactly as it
was and its copy in the build folder to look at; the next run starts from a fresh copy.

Readers never block a build: DuckDB's lock is taken on the copy, not on the published file.
Two builds of one warehouse do not run at once: the second waits for the build lock (bounded,
`$SFTMART_LOCK_TIMEOUT` seconds, default 60), then fails with a message naming the holder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from pathlib import Path

from sftmart.paths import build_path, pid_alive, read_copy_path, warehouse_state_dir

LOCK_TIMEOUT_S = float(os.environ.get("SFTMART_LOCK_TIMEOUT", "60"))


class BuildLockTimeout(RuntimeError):
    pass


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


class BuildLock:
    """An exclusive lock on building one warehouse, held for the life of the process (flock: the
    kernel releases it when the process dies, so a killed build leaves no stale lock)."""

    def __init__(self, published: Path, timeout_s: float = LOCK_TIMEOUT_S):
        self.path = warehouse_state_dir(published) / "build.lock"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a+")
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._fh.seek(0)
                    holder = self._fh.read().strip() or "an unknown process"
                    self._fh.close()
                    raise BuildLockTimeout(
                        f"another build of {published} holds {self.path} ({holder}); waited {timeout_s:.0f} s "
                        "(set SFTMART_LOCK_TIMEOUT to wait longer)"
                    ) from None
                time.sleep(0.2)
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        self._fh.flush()

    def release(self) -> None:
        if not self._fh.closed:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()


def prepare_build(published: Path, build: Path | None = None) -> Path:
    """A fresh copy of `published` (or no file, for a first build) at `build` (default: the build
    copy, whose caller holds the build lock); returns its path."""
    build = build or build_path(published)
    build.parent.mkdir(parents=True, exist_ok=True)
    for stale in (build, _wal(build)):
        stale.unlink(missing_ok=True)
    if published.exists():
        with _read_lock(published):  # no writer outside dbt can be half-way through it meanwhile
            shutil.copyfile(published, build)
            if _wal(published).exists():  # a writer outside dbt left changes in its log: keep them
                shutil.copyfile(_wal(published), _wal(build))
    return build


def prepare_read_copy(published: Path) -> Path:
    """A snapshot of `published` for a command that writes nothing, after removing the snapshots of
    processes that are gone (killed before their exit hook)."""
    for old in (warehouse_state_dir(published) / "read").glob("*"):
        if old.name.isdigit() and not pid_alive(int(old.name)):
            shutil.rmtree(old, ignore_errors=True)
    return prepare_build(published, read_copy_path(published, os.getpid()))


def _read_lock(published: Path, timeout_s: float = LOCK_TIMEOUT_S):
    """A read-only DuckDB connection to `published` (DuckDB's shared file lock), retried while a
    writer outside dbt holds the file, for at most `timeout_s`; DuckDB's error names the holder."""
    import duckdb

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return duckdb.connect(str(published), read_only=True)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise BuildLockTimeout(
                    f"cannot read {published} to build on it (waited up to {timeout_s:.0f} s, "
                    f"set SFTMART_LOCK_TIMEOUT to wait longer): {error}"
                ) from error
            time.sleep(0.5)


def publish(build: Path, published: Path) -> None:
    """Renames the closed, audited build copy over the published file (atomic on one file system)."""
    if _wal(build).exists():
        raise RuntimeError(f"{build} still has a write-ahead log: it was not closed cleanly; not publishing")
    with open(build, "rb") as fh:
        os.fsync(fh.fileno())
    _wal(published).unlink(missing_ok=True)  # its changes are in the build copy; it must not replay on it
    os.replace(build, published)
    directory = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
