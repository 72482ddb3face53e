"""dbt runs for the tests, each a fork of one process that has already imported dbt, the DuckDB
adapter and the heavy libraries the nodes import (measured on top of dbt's own 1.7 s: Great
Expectations +3.2 s, torch +1.8 s, peft with transformers +5.3 s); the suite makes ~60 runs.

A run is still its own process, as `python -m dbt.cli.main` is: it gets the caller's environment,
working directory and arguments, writes its own stdout and stderr files, and finishes like a fresh
interpreter (its SystemExit leaves the server's loop, so atexit hooks run and DuckDB's bindings
report leaked objects on stderr). Nothing of the project (udfs, sftmart) is imported before the
fork, so every run imports it with its own environment; the libraries only import (no thread pool
has run, so the fork copies no busy lock). Tests that must signal or kill a
dbt process start it with subprocess themselves.

Protocol: one JSON request a line on the server's stdin ({argv, env, cwd, stdout, stderr}); one
line back with the run's exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

PRELOAD = ("dbt.cli.main", "dbt.adapters.duckdb", "great_expectations", "torch", "peft")
# The classes dbt validates while it reads the project and parses it: dbt_common builds each one's
# JSON schema on first use in a process (an lru_cache; ~2.2 CPU-s of a full parse's ~8.8 on this
# machine), so the server builds them once and every fork starts with them. Pure data: no thread runs.
SCHEMAS = (
    "dbt.contracts.project.ProjectFlags",
    "dbt.adapters.duckdb.credentials.DuckDBCredentials",
    "dbt.contracts.project.ProfileConfig",
    "dbt.contracts.project.Project",
    "dbt.contracts.project.PackageConfig",
    "dbt.contracts.selection.SelectorFile",
    "dbt.contracts.project.Configuration",
    "dbt.artifacts.resources.v1.model.ModelConfig",
    "dbt.contracts.graph.nodes.ModelNode",
    "dbt.artifacts.resources.v1.components.Contract",
    "dbt.artifacts.resources.v1.config.NodeConfig",
    "dbt.contracts.graph.nodes.AnalysisNode",
    "dbt.artifacts.resources.v1.config.TestConfig",
    "dbt.contracts.graph.nodes.SingularTestNode",
    "dbt.artifacts.resources.v1.seed.SeedConfig",
    "dbt.contracts.graph.nodes.SeedNode",
    "dbt.contracts.graph.nodes.HookNode",
    "dbt.contracts.graph.unparsed.UnparsedNodeUpdate",
    "dbt.contracts.graph.nodes.GenericTestNode",
    "dbt.contracts.graph.unparsed.UnparsedModelUpdate",
    "dbt.contracts.graph.unparsed.UnparsedExposure",
    "dbt.artifacts.resources.v1.exposure.ExposureConfig",
)


class DbtForkServer:
    """The client side: `run(argv, env, cwd)` -> (exit code, stdout, stderr)."""

    def __init__(self, tmp_dir: str):
        self.tmp_dir = tmp_dir
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.count = 0

    def _server(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
            )
        return self.proc

    def run(self, argv: list[str], env: dict, cwd: str) -> tuple[int, str, str]:
        with self.lock:
            self.count += 1
            out, err = (os.path.join(self.tmp_dir, f"dbt-{self.count}.{kind}") for kind in ("out", "err"))
            proc = self._server()
            request = {"argv": argv, "env": env, "cwd": str(cwd), "stdout": out, "stderr": err}
            proc.stdin.write(json.dumps(request) + "\n")
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the dbt fork server exited with {proc.wait()}")
            code = json.loads(line)["code"]
            texts = []
            for path in (out, err):
                with open(path, encoding="utf-8", errors="replace") as f:
                    texts.append(f.read())
                os.unlink(path)
            return code, texts[0], texts[1]

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        os.rmdir(self.tmp_dir)  # every run's files were read and removed


def _become_dbt(request: dict) -> None:
    """In the forked child: take the run's environment, files and arguments, then run dbt's CLI,
    whose SystemExit ends this process like `python -m dbt.cli.main`."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own stdin, kept open
    sys.argv = ["dbt", *request["argv"]]
    from dbt.cli.main import cli

    cli()  # raises SystemExit with dbt's exit code


def serve() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    for dotted in SCHEMAS:
        module, _, cls = dotted.rpartition(".")
        getattr(importlib.import_module(module), cls).json_schema()
    requests, replies = sys.stdin, sys.stdout
    for line in requests:
        request = json.loads(line)
        replies.flush()
        pid = os.fork()
        if pid == 0:
            _become_dbt(request)  # never returns: its SystemExit unwinds this loop in the child
            raise SystemExit(0)
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve()
