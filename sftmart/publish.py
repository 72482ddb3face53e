"""Write, audit, publish: dbt never writes the published warehouse file.

A dbt run works on a private copy of the published file, `<warehouse>.sftmart/build/<name>` (the
same file name, so the same catalog name in SQL), holding `<warehouse>.sftmart/build.lock` while
it does. The copy starts empty and holds, once the run's on-run-start hook has run, what the run
does not rebuild, carried from the published file (sftmart.carry); the run writes the rest. The
run audits its own work (dbt data tests and the Great Expectations validation nodes of `dbt
build`); its `on-run-end` hook says whether every node passed and each layer it wrote was
validated, and only then, after DuckDB has closed the copy and the row guard (sftmart.row_guard)
found no table emptied or shrunk (udfs.plugin decides), is the copy renamed over the published
file: one atomic `rename`, so a reader sees the old warehouse or the new one, never half of either.
A run that fails anywhere (a blocking expectation, an unaudited command or selection, the row
guard, a crash, a full disk, a kill) leaves the published file exactly as it
was and its copy in the build folder to look at; the next run starts from a fresh copy.

Readers never block a build: DuckDB's lock is taken on the copy, not on the published file.
Two builds of one warehouse do not run at once: the second waits for the build lock (bounded,
`$SFTMART_LOCK_TIMEOUT` seconds, default 60), then fails with a message naming the holder.
`sftmart build` takes the lock itself and hands it to its dbt process (an inherited descriptor,
`$SFTMART_BUILD_LOCK_FD`), so the lock is held until both are gone.

No commit is lost at any point of a publish. A writer outside dbt may leave committed changes in
the published file's write-ahead log; the build copy starts with them (the carry reads the file
with its log), and a publish refuses when the published file or its log changed after the run
started. The log is never deleted before the new file is in place: it is renamed aside (`<name>.wal.aside-<inode>`),
the copy renamed over the file, and only then the aside log removed. A crash between the steps is
undone by `recover` (called before every copy and publish): an aside log whose file is still
there goes back beside it, one whose file was replaced is removed (the new file holds its changes).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from pathlib import Path

from sftmart.paths import build_path, pid_alive, read_copy_path, warehouse_state_dir
from training.pause import pause_at

LOCK_TIMEOUT_S = float(os.environ.get("SFTMART_LOCK_TIMEOUT", "60"))


LOCK_FD_ENV = "SFTMART_BUILD_LOCK_FD"  # the build lock's descriptor, inherited from `sftmart build`


class BuildLockTimeout(RuntimeError):
    pass


class PublishConflict(RuntimeError):
    """The published warehouse changed during the build: publishing would lose those changes."""


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


class BuildLock:
    """An exclusive lock on building one warehouse, held for the life of the process (flock: the
    kernel releases it when the process dies, so a killed build leaves no stale lock)."""

    inherited = False  # a descriptor of the wrapper's lock: closing it must not unlock the wrapper's

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

    @classmethod
    def inherited_from_env(cls, published: Path) -> BuildLock | None:
        """The lock `sftmart build` took and handed down as descriptor $SFTMART_BUILD_LOCK_FD, when
        that descriptor is this warehouse's lock file and holds the lock; else None."""
        try:
            fd = int(os.environ[LOCK_FD_ENV])
            path = warehouse_state_dir(published) / "build.lock"
            if os.fstat(fd).st_ino != path.stat().st_ino:
                return None
            fh = os.fdopen(fd, "a+", closefd=True)
        except (KeyError, ValueError, OSError):
            return None
        try:  # the same open file description: succeeds at once when the wrapper holds it
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return None
        lock = cls.__new__(cls)
        lock.path, lock._fh, lock.inherited = path, fh, True
        return lock

    def descriptor(self) -> int:
        return self._fh.fileno()

    def release(self) -> None:
        if not self._fh.closed:
            if not self.inherited:
                fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()


def identity(published: Path) -> tuple | None:
    """What says whether the published file or its write-ahead log changed: their inodes, sizes and
    modification times (None for a file that is not there)."""

    def of(path: Path):
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    return (of(published), of(_wal(published)))


def prepare_build(published: Path, build: Path | None = None, fresh: bool = False) -> Path:
    """The build copy of `published` at `build` (default: the build copy, whose caller holds the
    build lock); returns its path. With `fresh` the copy starts empty and the run's on-run-start
    hook carries into it what the run does not rebuild (sftmart.carry); otherwise it is a byte copy
    of the published file and its write-ahead log (a read snapshot; no file for a first build)."""
    build = build or build_path(published)
    build.parent.mkdir(parents=True, exist_ok=True)
    for stale in (build, _wal(build)):
        stale.unlink(missing_ok=True)
    recover(published)
    if published.exists() and not fresh:
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


def _aside_logs(published: Path) -> list[Path]:
    return sorted(published.parent.glob(published.name + ".wal.aside-*"))


def recover(published: Path) -> None:
    """Undoes a publish that was killed half-way (see the module doc): a write-ahead log set aside
    goes back beside its file while that file is still there; once the file was replaced, it goes."""
    for aside in _aside_logs(published):
        inode = aside.name.rsplit("-", 1)[1]
        still_there = published.exists() and str(published.stat().st_ino) == inode
        if not still_there:
            aside.unlink(missing_ok=True)  # the file it belonged to was replaced by one holding its changes
        elif not _wal(published).exists():
            os.replace(aside, _wal(published))
        else:
            raise PublishConflict(
                f"{published} has a write-ahead log and an older one set aside ({aside}); look at both"
            )
    _fsync_dir(published.parent)


def _fsync_dir(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def publish(build: Path, published: Path, expected: tuple | None = None) -> None:
    """Renames the closed, audited build copy over the published file (atomic on one file system).

    `expected`: the published file's `identity` when the copy was made; a publish refuses
    (PublishConflict) when it changed since, so no writer's commit is replaced unseen. The
    published file's write-ahead log is renamed aside, not deleted, until the new file is in place."""
    if _wal(build).exists():
        raise RuntimeError(f"{build} still has a write-ahead log: it was not closed cleanly; not publishing")
    with open(build, "rb") as fh:
        os.fsync(fh.fileno())
    recover(published)
    reader = _read_lock(published) if published.exists() else None  # no writer gets in meanwhile
    try:
        if expected is not None and identity(published) != expected:
            raise PublishConflict(
                f"{published} changed while this run built its copy (a writer outside dbt); "
                "publishing would lose that change"
            )
        aside = None
        if _wal(published).exists():  # its changes are in the build copy; it must not replay on it
            aside = published.with_name(f"{published.name}.wal.aside-{published.stat().st_ino}")
            os.replace(_wal(published), aside)
            _fsync_dir(published.parent)
            pause_at("publish_log_aside")
        os.replace(build, published)
        _fsync_dir(published.parent)
        pause_at("publish_replaced")
        if aside is not None:
            aside.unlink()
    finally:
        if reader is not None:
            reader.close()
