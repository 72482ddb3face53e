"""`order by: kcenter`: K-Center-Greedy (udfs/selection/kcenter.py) over the language's centred
embeddings until its token share is reached; the first centre is drawn with the seed, so each
curated arm seed starts its own K-Center."""

from __future__ import annotations

import numpy as np

EMBEDDINGS = True
SEEDED = True


def rank(candidates, step: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from udfs.selection.kcenter import kcenter_greedy

    first = kcenter_greedy(candidates.embeddings, candidates.n_tokens, candidates.token_share, seed=seed)
    return first, np.empty(0, dtype=np.int64)
