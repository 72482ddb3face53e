"""Near-duplicate components: rows that share an LSH band key are linked, and each row is labelled
with the smallest id of its connected component.

Per band column, the rows are ordered by key (`np.argsort`) and each row in a run of equal keys is
linked to the run's smallest row; `scipy.sparse.csgraph.connected_components` joins the links of all
bands.
Measured against the numba hash-table union-find this replaced (bench/ab_near_dup_components.py:
200k-row corpus, 25 bands, both in the same run on the shared 2-core machine): 0.21 s against
0.11 s when the machine was quiet, 0.35 s against 0.15 s under load. Importing scipy.sparse.csgraph
costs 0.22-0.26 s in a fresh process, but a build has paid it already (great_expectations, which
the validation nodes import, imports it). A hand-written kernel is kept only when it saves more
than ~0.5 s of a 200k-row build.
"""

from __future__ import annotations

import numpy as np


def _links(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, target) links: per band column, every row in a run of equal keys is linked to the run's
    smallest row. A near-duplicate usually shares many bands with the same smallest row, so a link
    equal to the row's previous one is not repeated; that holds the links near one per duplicate row
    instead of one per shared band. Columns are read one at a time (no transposed copy). Against
    linking neighbours in every band (bench/RESULTS.md): 1M generated rows, 40% near-copies, 25
    bands: 110 MB peak over the keys instead of 420 MB, 1.9-2.2 s instead of 2.3-2.6 s."""
    n = keys.shape[0]
    sources, targets = [], []
    last = np.full(n, -1, dtype=np.int64)  # each row's latest target
    for band in range(keys.shape[1]):
        column = np.ascontiguousarray(keys[:, band])
        order = np.argsort(column)
        ordered = column[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # runs of rows with one key
        smallest = np.repeat(np.minimum.reduceat(order, starts), np.diff(np.r_[starts, n]))
        linked = order != smallest
        rows, to = order[linked], smallest[linked]
        new = last[rows] != to
        rows, to = rows[new], to[new]
        last[rows] = to
        sources.append(rows)
        targets.append(to)
    return np.concatenate(sources), np.concatenate(targets)


def connected_components(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Component label per row (int64) = smallest id in the row's component.

    ids: (rows,) int64 row numbers (normally 0..n-1, any distinct int64 work);
    keys: (rows, b) band keys. Rows sharing any key in the same band column are linked.
    """
    ids = np.asarray(ids, dtype=np.int64)
    keys = np.asarray(keys)
    if keys.ndim == 1:
        keys = keys.reshape(-1, 1)
    if keys.ndim != 2 or keys.shape[0] != ids.shape[0]:
        raise ValueError("keys must be (rows, b) with rows == len(ids)")
    n = ids.shape[0]
    if n == 0 or keys.shape[1] == 0:
        return ids.copy()
    # imported here: every process that registers the UDFs imports this package, one node uses this
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as graph_components

    sources, targets = _links(keys)
    graph = coo_matrix((np.ones(len(sources), np.int8), (sources, targets)), shape=(n, n))
    n_components, component = graph_components(graph, directed=True, connection="weak")
    smallest = np.full(n_components, np.iinfo(np.int64).max)
    np.minimum.at(smallest, component, ids)
    return smallest[component]
