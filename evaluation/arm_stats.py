"""The arm comparison's statistics on the primary metric (held-out response NLL per token), as pure
functions of numbers: a hierarchical bootstrap of the paired difference over seeds and items, Holm's
correction over the comparisons of one table, and an arm's rank among the random arm's draws."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

N_BOOTSTRAP = 2000  # bootstrap replicates per comparison
ALPHA = 0.05  # family-wise error rate Holm's correction holds over one table's primary comparisons
_CHUNK = 200  # replicates drawn at once (bounds the index array: chunk x seeds x items)


def stable_seed(*parts) -> int:
    """A bootstrap seed from a comparison's key: the same key, the same replicates, on any machine."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode())


def paired_bootstrap(
    diff: np.ndarray, n_tokens: np.ndarray, n_boot: int = N_BOOTSTRAP, seed: int = 0
) -> tuple[float, float, float, float]:
    """The mean per-token difference arm - random and its bootstrap 95% interval and two-sided p.

    `diff[s, i]` is the difference of summed response NLL (nats) on item i between the arm and the
    random arm trained with seed s (the same item, the same seed: paired); `n_tokens[i]` the item's
    response tokens (the same for both arms). The estimate is sum(diff) / (seeds x sum(n_tokens)): the
    token-weighted mean over items of the per-seed differences, averaged over seeds, i.e. the
    difference of the table's nll. Each replicate resamples seeds with replacement, then items with
    replacement within each drawn seed (a hierarchical bootstrap: seed-to-seed training noise and
    item-to-item variation both widen the interval), and takes the same ratio. Percentile interval;
    p = 2 x the smaller share of replicates on either side of 0 (each share counts the estimate
    itself, so p >= 2 / (n_boot + 1); identical arms give p = 1)."""
    diff = np.asarray(diff, dtype=float)
    n_tokens = np.asarray(n_tokens, dtype=float)
    if diff.ndim != 2 or diff.shape[1] != n_tokens.shape[0] or diff.size == 0:
        raise ValueError(f"paired_bootstrap: diff must be seeds x items matching n_tokens, got {diff.shape}")
    n_seeds, n_items = diff.shape
    estimate = float(diff.sum() / (n_seeds * n_tokens.sum()))
    rng = np.random.default_rng(seed)
    replicates = []
    for start in range(0, n_boot, _CHUNK):
        size = min(_CHUNK, n_boot - start)
        seeds = rng.integers(0, n_seeds, size=(size, n_seeds))
        items = rng.integers(0, n_items, size=(size, n_seeds, n_items))
        total = diff[seeds[:, :, None], items].sum(axis=(1, 2))
        replicates.append(total / n_tokens[items].sum(axis=(1, 2)))
    boot = np.concatenate(replicates)
    low, high = np.quantile(boot, [0.025, 0.975])
    below = (np.count_nonzero(boot <= 0) + 1) / (n_boot + 1)
    above = (np.count_nonzero(boot >= 0) + 1) / (n_boot + 1)
    return estimate, float(low), float(high), min(1.0, 2 * min(below, above))


def holm(p_values: Sequence[float], alpha: float = ALPHA) -> tuple[list[float], list[bool]]:
    """Holm's step-down adjusted p-values (p_(k) x (m - k + 1), made monotone, capped at 1) and which
    comparisons survive (adjusted p <= alpha): family-wise error at most alpha over all m."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p_values[i]))
        adjusted[i] = running
    return adjusted, [p <= alpha for p in adjusted]


def beats_random(arm_values: Sequence[float], random_values: Sequence[float], lower_is_better: bool = True) -> int:
    """How many of the random arm's draws (one value per seed: K random mixes of the same budget)
    the arm's mean over its seeds beats strictly."""
    mean = float(np.mean(arm_values))
    return sum((r > mean) if lower_is_better else (r < mean) for r in random_values)
