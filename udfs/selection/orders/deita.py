"""`order by: deita`: the DEITA filter (udfs/selection/deita.py) visiting the rows best quality first
with the step's `threshold` (default 0.9, DEITA's); the rows it rejects as too similar to a chosen
one leave the curated pool."""

from __future__ import annotations

import numpy as np

EMBEDDINGS = True
DROP_REASON = "recipe:deita_too_similar"


def rank(candidates, step: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from udfs.selection.deita import DEITA_THRESHOLD, deita_filter

    order = np.arange(len(candidates.n_tokens))
    threshold = step.get("threshold", DEITA_THRESHOLD)
    return deita_filter(candidates.embeddings, candidates.n_tokens, candidates.token_share, order, threshold)
