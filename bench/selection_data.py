"""Generated embeddings for the selection benchmarks: topics with planted near-duplicates.

Rows are drawn in chunks, each chunk from its own seed, so any range of rows is generated alone
(1M rows of dimension 576 never sit in memory at once). Clusters at two scales, as text embeddings
have them: `n_topics` topic directions, each with `subtopics` subtopic directions (cosine ~0.74
between two subtopics of a topic), and a row is a subtopic direction plus Gaussian noise (cosine
~0.89 to another row of its subtopic, ~0.65 to a row of a sibling subtopic, ~0 across topics).
`dup_share` of the rows are a near-copy of an earlier row of their chunk (cosine ~0.99), the
paraphrase the semantic dedup has to find. Mean-pooled LM states are far more anisotropic than this;
the benchmark measures the algorithms, not an embedding model.
"""

from __future__ import annotations

import numpy as np

CHUNK_ROWS = 50_000


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def topics(n_topics: int, dim: int, seed: int, subtopics: int = 10, spread: float = 0.6) -> np.ndarray:
    """(n_topics * subtopics, dim) unit subtopic directions."""
    rng = np.random.default_rng([seed, 0])
    top = _unit(rng.standard_normal((n_topics, dim)))
    sub = np.repeat(top, subtopics, axis=0) + rng.standard_normal((n_topics * subtopics, dim)) * (spread / np.sqrt(dim))
    return _unit(sub)


def chunk(
    index: int,
    rows: int,
    centres: np.ndarray,
    seed: int,
    noise: float = 0.35,
    dup_share: float = 0.1,
    dup_noise: float = 0.15,
) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings float32 (rows, dim), source row within the chunk of each planted copy or -1)."""
    rng = np.random.default_rng([seed, 1, index])
    n_topics, dim = centres.shape
    topic = rng.integers(n_topics, size=rows)
    # centres[topic] + noise * scale, in float64 as numpy promotes it, built in place (peak memory)
    x = rng.standard_normal((rows, dim), dtype=np.float32).astype(np.float64)
    x *= noise / np.sqrt(dim)
    x += centres[topic]
    copies = np.flatnonzero(rng.random(rows) < dup_share)
    copies = copies[copies > 0]
    source = np.full(rows, -1, dtype=np.int64)
    source[copies] = (rng.random(copies.size) * copies).astype(np.int64)  # an earlier row of the chunk
    base = x[source[copies]]
    jitter = rng.standard_normal((copies.size, dim), dtype=np.float32) * (dup_noise / np.sqrt(dim))
    x[copies] = base + jitter * np.linalg.norm(base, axis=1, keepdims=True)
    return x.astype(np.float32), source


def rows(start: int, stop: int, centres: np.ndarray, seed: int, **kw) -> np.ndarray:
    """Rows [start, stop) of the generated set (chunks of CHUNK_ROWS, each from its own seed)."""
    parts = []
    for index in range(start // CHUNK_ROWS, (stop - 1) // CHUNK_ROWS + 1):
        block, _ = chunk(index, CHUNK_ROWS, centres, seed, **kw)
        lo = max(start, index * CHUNK_ROWS) - index * CHUNK_ROWS
        hi = min(stop, (index + 1) * CHUNK_ROWS) - index * CHUNK_ROWS
        parts.append(block[lo:hi])
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty((0, centres.shape[1]), np.float32)
