"""Selection over embeddings: pure functions over numpy / torch arrays (torch on CUDA when present).

* vectors.py: unit-length rows, the device, the token-share stopping rule;
* arrow_vectors.py: an Arrow embedding column as one numpy matrix (no torch);
* kcenter.py / kcenter_lazy.py: K-Center-Greedy filling a token share (dense brute force; lazy bounds
  refreshed in matrix products on the CPU; row_heap.py: their max-heap of rows);
* deita.py: the DEITA-style filter (a row joins only if no chosen row is too similar);
* pairs_exact.py / pairs_ann.py: pairs at or above a cosine threshold, exactly in blocks or with a
  faiss IVF index in bounded memory;
* semantic_dedup.py: those pairs joined into clusters, one kept member per cluster.
* orders/: the selection recipe's ranking orders (`order by: <name>`), one module each.
"""
