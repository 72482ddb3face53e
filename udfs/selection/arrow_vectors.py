"""Embeddings out of DuckDB/Arrow as one numpy matrix, without torch (a node with the model layer
off must not pay torch's import)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def embedding_matrix(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the rows that have an embedding, their embeddings as one float32 array): the
    list column read as numpy, not as Python lists (78k x 576 floats at 200k rows). Rows of
    unequal length are a clear error."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    has = column.is_valid().to_numpy(zero_copy_only=False)
    present = column.filter(pa.array(has))
    if not len(present):
        return np.flatnonzero(has), np.empty((0, 0), dtype=np.float32)
    lengths = pc.min_max(pc.list_value_length(present))
    if lengths["min"] != lengths["max"]:
        raise ValueError("embeddings of unequal length in one column")
    values = present.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return np.flatnonzero(has), values.reshape(len(present), -1)
