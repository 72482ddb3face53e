"""The recipe's ranking orders, one module each: the step `{step: order, by: <name>}` runs the module
`udfs/selection/orders/<name>.py`, found by its file name (`names()`; there is no list to extend).
models/selection/mart_selection_order.py calls it once per language (and, for a SEEDED order, once
per seed: sample_seed, then each curated arm seed) with that language's selected candidates.

A module defines one function with this signature:

    def rank(candidates: Candidates, step: dict, seed: int) -> tuple[np.ndarray, np.ndarray]

`candidates` are the rows in visiting order, best quality first (model_quality_score, then IFD,
both descending, then sample_id); `step` is the recipe entry itself (its `threshold`, say); `seed`
is the seed to draw with. It returns (first, dropped), row indices into `candidates`: `first` are
drawn first, in that order (the rest follow in visiting order); `dropped` leave the curated pool
with the module's DROP_REASON. Optional module constants:

    EMBEDDINGS = True   # candidates.embeddings is filled (needs the model layer); default False
    SEEDED = True       # each curated arm seed gets its own ranking (seed_ranks); default False
    DROP_REASON = "recipe:<name>_..."  # default "recipe:<name>"

A module's name that is also a column of mart_sample_selection ranks by the module. Orders that need
SQL stay in the model: random, a score column (`ifd desc`), dsir and target_similarity.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType

import numpy as np


@dataclass(frozen=True)
class Candidates:
    """One language's selected candidates, in visiting order."""

    sample_id: np.ndarray  # (n,) str
    n_tokens: np.ndarray  # (n,) int: each row's tokens, as the mix counts them
    token_share: float  # the language's tokens in the mix (token_budget x its ratio): rank until reached
    embeddings: np.ndarray | None = None  # (n, dim), centred per language (vectors.centered); EMBEDDINGS only


def names() -> list[str]:
    """Every order module here, by name."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(name: str) -> ModuleType:
    """The order module `name`, checked to define `rank`."""
    if name not in names():
        raise ValueError(f"no order module {name!r} in udfs/selection/orders/ (there are: {', '.join(names())})")
    module = importlib.import_module(f"{__name__}.{name}")
    if not callable(getattr(module, "rank", None)):
        raise ValueError(f"order module {module.__file__} defines no rank(candidates, step, seed)")
    return module


def ranking(module: ModuleType, candidates: Candidates, step: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The module's (first, dropped) for `candidates`, checked: distinct row indices, none in both."""
    first, dropped = (np.asarray(a, dtype=np.int64).reshape(-1) for a in module.rank(candidates, step, seed))
    n = len(candidates.n_tokens)
    both = np.concatenate([first, dropped])
    if both.size and (both.min() < 0 or both.max() >= n or np.unique(first).size < first.size):
        raise ValueError(f"order {module.__name__}: rank() returned row indices outside 0..{n - 1} or twice")
    if np.intersect1d(first, dropped).size or np.unique(dropped).size < dropped.size:
        raise ValueError(f"order {module.__name__}: rank() returned a row both first and dropped, or dropped twice")
    return first, dropped
