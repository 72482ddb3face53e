"""One local Ray head per test process (`ray start --head`, 2 CPUs, no GPU, no dashboard), shared by
every Ray test module (test_ray_compute.py, test_ray_nodes.py): starting one costs seconds on 2
cores. Stopped when the process exits."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

_head: tuple[subprocess.Popen, str] | None = None


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_cluster() -> str:
    """The address (127.0.0.1:PORT) of this process's Ray head, started on first use."""
    global _head
    if _head is not None and _head[0].poll() is None:
        return _head[1]
    port = free_port()
    temp = tempfile.mkdtemp(prefix="sftray-", dir="/tmp")  # Ray's socket paths must stay short
    head = subprocess.Popen(
        [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", f"--port={port}", "--num-cpus=2",
         "--num-gpus=0", "--include-dashboard=false", "--object-store-memory=100000000", f"--temp-dir={temp}",
         "--disable-usage-stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert head.poll() is None and time.monotonic() < deadline, "ray start --head did not come up"
            time.sleep(0.5)
    _head = (head, f"127.0.0.1:{port}")
    atexit.register(_stop, head)
    return _head[1]


def _stop(head: subprocess.Popen) -> None:
    import ray

    ray.shutdown()
    os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(head.pid, signal.SIGKILL)
