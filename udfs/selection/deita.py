"""The DEITA-style diversity filter ("Repr Filter", Liu et al., "What Makes Good Data for Alignment?",
ICLR 2024): rows are visited in a given score order and a row joins the chosen set only when its
cosine similarity to every chosen row is below `threshold`, until the chosen rows' tokens reach the
share (at most one sample over, as in macros/ratio_sample.sql).

DEITA's setting: the reference code (hkust-nlp/deita, selection/filter/base.py) rejects a row whose
cosine similarity to any chosen row exceeds `threshold`, with threshold 0.9 in its pipeline
(examples/pipelines/filter_datasets.sh, THETA=0.9) over mean-pooled LLaMA hidden states, the paper's
"distance threshold" tau = 0.9. `DEITA_THRESHOLD` is that value. This filter keeps a row when its
largest similarity is strictly below the threshold.

Rows are checked a block at a time: one matrix product against the rows chosen before the block,
then the block's own survivors in order against the ones chosen inside the block. The answer is the
one-row-at-a-time loop's.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from udfs.selection.vectors import pick_device, share_reached, token_counts, unit_rows

DEITA_THRESHOLD = 0.9
_BLOCK = 1024  # candidate rows per matrix product
_CHOSEN_CHUNK = 65536  # chosen rows per product: 1024 x 65536 x 4 bytes = 256 MiB at most


def deita_filter(
    embeddings,
    n_tokens,
    token_share: float,
    order,
    threshold: float = DEITA_THRESHOLD,
    device: str | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(chosen, rejected): row indices (int64) in visiting order. `order` lists the row indices
    best-first; rows after the share is filled are in neither array."""
    dev = pick_device(device)
    x = unit_rows(embeddings, dev)
    tokens = token_counts(n_tokens, x.shape[0])
    order = np.asarray(order, dtype=np.int64)
    if order.size != x.shape[0] or (order.size and not np.array_equal(np.sort(order), np.arange(x.shape[0]))):
        raise ValueError("order must list every row index once")
    chosen: list[int] = []
    rejected: list[int] = []
    chosen_x = torch.empty((0, x.shape[1]), device=dev, dtype=x.dtype)
    taken = 0
    with tqdm(total=order.size, desc="deita filter", disable=not progress) as bar:
        for start in range(0, order.size, _BLOCK):
            if share_reached(taken, token_share):
                break
            block = order[start : start + _BLOCK]
            bx = x[torch.from_numpy(block).to(dev)]
            near = _max_similarity(bx, chosen_x) >= threshold
            inner = (bx @ bx.T).cpu().numpy() >= threshold
            near = near.cpu().numpy()
            accepted_here: list[int] = []
            for k, row in enumerate(block.tolist()):
                if share_reached(taken, token_share):
                    break
                bar.update(1)
                if near[k] or (accepted_here and inner[k, accepted_here].any()):
                    rejected.append(row)
                    continue
                accepted_here.append(k)
                chosen.append(row)
                taken += int(tokens[row])
            if accepted_here:
                chosen_x = torch.cat([chosen_x, bx[torch.tensor(accepted_here, device=dev)]])
    return np.asarray(chosen, dtype=np.int64), np.asarray(rejected, dtype=np.int64)


def _max_similarity(rows: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """Largest cosine similarity of each row to the chosen rows (-inf when none is chosen)."""
    best = torch.full((rows.shape[0],), -torch.inf, device=rows.device, dtype=rows.dtype)
    for start in range(0, chosen.shape[0], _CHOSEN_CHUNK):
        best = torch.maximum(best, (rows @ chosen[start : start + _CHOSEN_CHUNK].T).max(dim=1).values)
    return best
