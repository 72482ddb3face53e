"""Running GIL-free kernels (numba nogil, tiktoken) on all cores from inside one UDF call.

DuckDB calls a Python UDF from one thread at a time, so a UDF whose work releases the GIL splits
its batch here to use the other cores."""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")
WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


@functools.lru_cache(maxsize=1)
def kernel_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(WORKERS, thread_name_prefix="sftmart-kernel")


def row_slices(n_rows: int, parts: int = WORKERS, min_rows: int = 256) -> list[range]:
    """[0, n_rows) cut into at most `parts` contiguous ranges of at least min_rows rows (one range
    for small inputs, where a thread hand-off costs more than it saves)."""
    parts = max(1, min(parts, n_rows // min_rows))
    bounds = [n_rows * k // parts for k in range(parts + 1)]
    return [range(a, b) for a, b in zip(bounds, bounds[1:])]


def map_row_slices(fn: Callable[[range], T], n_rows: int) -> list[T]:
    """fn over row_slices(n_rows), in parallel threads; results in row order."""
    slices = row_slices(n_rows)
    if len(slices) == 1:
        return [fn(slices[0])]
    return list(kernel_threads().map(fn, slices))
