"""The `compute` var as a checked value: where the model-heavy scoring runs.

`{backend: local}` (the default) scores in the dbt process; `{backend: ray, address, workers,
gpus_per_worker, cpus_per_worker, work_dir, shard_rows}` scores on a Ray cluster. dbt checks the var
against its spec (dbt_project/macros/vars/var_spec.sql) before anything runs; this module checks it
again for Python callers and fills the defaults."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("local", "ray")
DEFAULT_SHARD_ROWS = 1024  # rows per Parquet shard: the unit of work a failure can lose (~1 min of a 7B on one GPU)
CONNECT_TIMEOUT_S = 5.0  # an unreachable address fails after this long, not after Ray's own retries (minutes)
GCS_PORT = 6379  # `ray start --head` defaults
CLIENT_PORT = 10001
_ADDRESS = re.compile(r"(ray://)?([A-Za-z0-9_.-]{1,253})(?::([0-9]{1,5}))?")


class ComputeError(RuntimeError):
    """The compute config is wrong, or the cluster it names cannot run it."""


@dataclass(frozen=True)
class ComputeConfig:
    backend: str = "local"
    address: str = "auto"  # auto: a cluster `ray start` runs on this machine; local: a private one in-process
    workers: int = 1
    gpus_per_worker: float = 0.0
    cpus_per_worker: float = 1.0
    work_dir: str = ""  # empty: <warehouse>.sftmart/ray/ (see default_work_dir)
    shard_rows: int = DEFAULT_SHARD_ROWS

    @property
    def is_ray(self) -> bool:
        return self.backend == "ray"

    def endpoint(self) -> tuple[str, int] | None:
        """(host, port) to probe before connecting, or None for `auto` / `local`."""
        if self.address in ("auto", "local"):
            return None
        client, host, port = _ADDRESS.fullmatch(self.address).groups()
        return host, int(port) if port else (CLIENT_PORT if client else GCS_PORT)


def _number(name: str, value, low: float, integer: bool) -> float | int:
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or value < low:
        raise ComputeError(f"compute.{name} must be {'an integer' if integer else 'a number'} >= {low}, not {value!r}")
    return value


def parse_compute(value) -> ComputeConfig:
    """A ComputeConfig from the var's value (a dict, its JSON text, or None for local)."""
    if value is None or value == "":
        return ComputeConfig()
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ComputeError(f"compute must be an object like {{backend: ray, address: ...}}, not {value!r}")
    known = set(ComputeConfig.__dataclass_fields__)
    unknown = sorted(set(value) - known)
    if unknown:
        raise ComputeError(f"compute: unknown key(s) {unknown}; known: {sorted(known)}")
    backend = value.get("backend", "local")
    if backend not in BACKENDS:
        raise ComputeError(f"compute.backend must be one of {BACKENDS}, not {backend!r}")
    address = value.get("address") or "auto"
    if not isinstance(address, str) or not (address in ("auto", "local") or _ADDRESS.fullmatch(address)):
        raise ComputeError(f"compute.address must be auto, local, HOST:PORT or ray://HOST:PORT, not {address!r}")
    work_dir = value.get("work_dir") or ""
    if not isinstance(work_dir, str):
        raise ComputeError(f"compute.work_dir must be a path or URL, not {work_dir!r}")
    return ComputeConfig(
        backend=backend,
        address=address,
        workers=_number("workers", value.get("workers", 1), 1, True),
        gpus_per_worker=_number("gpus_per_worker", value.get("gpus_per_worker", 0), 0, False),
        cpus_per_worker=_number("cpus_per_worker", value.get("cpus_per_worker", 1), 0, False),
        work_dir=work_dir,
        shard_rows=_number("shard_rows", value.get("shard_rows", DEFAULT_SHARD_ROWS), 1, True),
    )


def default_work_dir(cache_path: str | Path) -> str:
    """`<warehouse>.sftmart/ray`: the score cache lives in the warehouse's own folder
    (sftmart.paths.warehouse_state_dir), so its parent is that folder. A multi-node cluster needs a
    work_dir every node reads (a shared mount or an object-store URL) instead."""
    return str(Path(cache_path).resolve().parent / "ray")
