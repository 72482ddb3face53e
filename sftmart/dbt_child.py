"""The dbt process of `sftmart build` and `sftmart experiment`: it lives and dies with the wrapper,
under the build lock the wrapper holds, and what the wrapper says afterwards is only its own state.

- The wrapper takes the build lock (sftmart.publish.BuildLock) before dbt starts and hands it down
  ($SFTMART_BUILD_LOCK_FD): a wrapper that waits for or loses the lock reports that and nothing of
  another build's copy, and while it holds the lock no other build can publish.
- dbt runs in its own process group (a terminal's Ctrl-C reaches the wrapper only) with
  PR_SET_PDEATHSIG: when the wrapper dies, even by SIGKILL, the kernel sends dbt SIGTERM. The
  plugin (udfs.plugin) also publishes nothing once its parent is no longer the wrapper.
- SIGTERM, SIGINT or SIGHUP to the wrapper ends dbt with SIGTERM and the wrapper exits 128 + the
  signal's number. dbt runs through this module's entry point, which handles SIGTERM in its main
  thread (dbt-duckdb calls the plugin from worker threads): it stops at once, publishing nothing
  more, and says whether the warehouse was published and where the copy is (udfs.plugin).
- Afterwards "published" means the published file is another file than before (publishing renames
  the copy over it), and the build copy is named only if it still exists.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sftmart.paths import DBT_PROJECT_DIR, PROFILES_DIR, build_path, warehouse_path
from sftmart.publish import LOCK_FD_ENV, BuildLock, BuildLockTimeout, identity

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


@dataclass
class DbtRun:
    """What one dbt run under the wrapper did."""

    published: Path  # the warehouse file
    returncode: int | None  # None: it never started (the lock was not had)
    was_published: bool = False
    stopped_by: signal.Signals | None = None  # the signal that stopped the wrapper
    lock_error: str | None = None

    @property
    def copy(self) -> Path | None:
        """This run's build copy, while it exists (a published run's copy became the warehouse)."""
        path = build_path(self.published)
        return path if self.returncode is not None and path.exists() else None

    def state(self) -> str:
        """One line: whether the warehouse was published, and where this run's copy is, if anywhere."""
        if self.was_published:
            return f"{self.published} was published"
        where = f"this run's tables are in {self.copy}" if self.copy else "no copy of this run is left"
        return f"{self.published} is unchanged; {where}"


def _die_with_parent(parent: int):
    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the wrapper died before the line above
            os._exit(1)

    return preexec


def dbt_command(command: str, dbt_vars: dict, extra_args: list[str] | None = None) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "sftmart.dbt_child",
        command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(PROFILES_DIR),
    ]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args + (extra_args or [])


def run_dbt(command: str, dbt_vars: dict, extra_args: list[str] | None = None, progress=None) -> DbtRun:
    """Runs a dbt command on the sftmart project in a child process (dbt-duckdb keeps its database
    connection open for the life of the process it runs in, and the funnel and the report that
    follow read the file), holding the build lock for it; see the module doc. `progress`: a
    sftmart.plan.progress.ProgressLine the child reports each finished node to."""
    published = warehouse_path().resolve()
    try:
        lock = BuildLock(published)
    except BuildLockTimeout as error:
        return DbtRun(published, None, lock_error=str(error))
    stopped: list[signal.Signals] = []
    child: subprocess.Popen | None = None

    def stop(signum, _frame) -> None:
        stopped.append(signal.Signals(signum))
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        before = identity(published)[0]
        for stale in (build_path(published), build_path(published).with_name(published.name + ".wal")):
            stale.unlink(missing_ok=True)  # a copy left by an earlier run is not this run's to report
        env = dict(os.environ, SFTMART_DB=str(published), SFTMART_WRAPPER_PID=str(os.getpid()))
        env[LOCK_FD_ENV] = str(lock.descriptor())
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # torch threads that spin collapse on shared cores
        fds = (lock.descriptor(),)
        if progress is not None:
            env |= progress.env()
            fds += (progress.write_fd,)
            progress.start()
        if not stopped:
            child = subprocess.Popen(
                dbt_command(command, dbt_vars, extra_args),
                env=env,
                pass_fds=fds,
                process_group=0,
                preexec_fn=_die_with_parent(os.getpid()),
            )
            if stopped:  # a signal between the fork and the assignment above
                child.send_signal(signal.SIGTERM)
            code = child.wait()
        else:
            code = -signal.SIGTERM
        if progress is not None:
            progress.finish()
        after = identity(published)[0]
        was_published = after is not None and (before is None or after[0] != before[0])
        return DbtRun(published, code, was_published, stopped[0] if stopped else None)
    finally:
        lock.release()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop(signum, _frame) -> None:
    plugin = sys.modules.get("udfs.plugin")
    if plugin is None:
        os.write(2, f"sftmart: dbt stopped by {signal.Signals(signum).name} before it opened the warehouse\n".encode())
        os._exit(128 + signum)
    plugin._Run.stopped(signum)


if __name__ == "__main__":  # dbt, as `python -m dbt.cli.main`, with SIGTERM handled (see the module doc)
    signal.signal(signal.SIGTERM, _stop)
    from dbt.cli.main import cli

    from sftmart.plan.progress import install_node_events

    install_node_events()  # finished nodes to the wrapper's overall progress line, when it asked

    sys.argv[0] = "dbt"
    cli()
