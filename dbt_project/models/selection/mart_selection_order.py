"""The selection recipe's order step over the selected candidates (mart_sample_selection), per
language: selection_rank 1, 2, ... is the order the mix draws in (ratio_sample's order_by).

Orders that need SQL are here:
- random: no rank (the mix keeps its seeded random order);
- a column of mart_sample_selection, e.g. `ifd desc`: ranked by it, ties by sample_id;
- dsir: DSIR importance resampling toward the target examples (target_root): the largest
  Gumbel-perturbed log importance weights first (int_dsir_pool_weights.draw_key, seeded by
  sample_seed), a draw without replacement proportional to the weights; needs model scores of no kind;
- target_similarity: embedding similarity toward the target examples: the largest mean cosine to the
  target_similarity_k nearest target examples first (mart_target_similarity; a language without
  target examples follows by sample_id, drawn seeded among near ranks as every ranked order is).

Every other order is a module of udfs/selection/orders/ (kcenter, deita, ...; that package's
docstring gives the contract), found by name: it ranks each language's candidates, visited best
quality first (model quality score, then IFD, then sample_id), until the language's token share
(token_budget x its ratio) is reached; the rest follow in that order; rows it drops get its
DROP_REASON and leave the curated pool. A SEEDED order (kcenter: its first centre) ranks once with
sample_seed (selection_rank) and, when the experiment has a curated arm, once more with each arm
seed (seed_ranks: seed -> rank), so each curated arm's seed changes its ranking.
"""

import json

import numpy as np
import pyarrow as pa

from udfs.selection import orders
from udfs.selection.arrow_vectors import embedding_matrix

SQL_ORDERS = {"random": None, "dsir": "draw_key desc", "target_similarity": "target_similarity desc nulls last"}
QUALITY_FIRST = "model_quality_score desc nulls last, ifd desc nulls last"


def model(dbt, session):
    dbt.config(materialized="table")
    config = json.loads(dbt.config.get("vars_json"))
    steps = [s for s in config["selection_recipe"] if s["step"] == "order"]
    step = steps[-1] if steps else {"by": "random"}
    by = step.get("by") or "random"
    selected = dbt.ref("mart_sample_selection").filter("is_selected")
    module = orders.load(by) if by in orders.names() else None
    if module is None and by not in SQL_ORDERS and by.split(" ")[0] not in selected.columns:
        raise ValueError(
            f"order by {by!r}: no such order (in SQL: {', '.join(SQL_ORDERS)}; modules of udfs/selection/orders/:"
            f" {', '.join(orders.names())}) and no column of mart_sample_selection"
        )
    order = SQL_ORDERS.get(by) or (QUALITY_FIRST if by == "random" or module else by)
    columns = "sample_id, lang, n_tokens"
    targeted = {
        "dsir": dbt.ref("int_dsir_pool_weights").select("sample_id, draw_key"),
        "target_similarity": dbt.ref("mart_target_similarity").select("sample_id, target_similarity, has_embedding"),
    }
    if by in targeted:
        if not config["target_root"]:
            raise ValueError(f"order by {by} draws toward target examples: set target_root to a folder of them")
        if not dbt.ref("int_target_records").limit(1).fetchall():
            raise ValueError(
                f"order by {by}: target_root {config['target_root']!r} holds no usable target example"
                " (intermediate.int_target_quarantine says why)"
            )
        selected = selected.join(targeted[by], "sample_id", how="left")
        if by == "target_similarity" and selected.filter("not coalesce(has_embedding, false)").limit(1).fetchall():
            raise ValueError("order by target_similarity: candidates without an embedding (is the model layer off?)")
    uses_embeddings = getattr(module, "EMBEDDINGS", False)
    if uses_embeddings:
        scores = dbt.ref("mart_base_scores").select("sample_id, embedding")
        selected, columns = selected.join(scores, "sample_id", how="left"), columns + ", embedding"
    table = selected.order(f"lang, {order}, sample_id").select(columns).to_arrow_table()
    ids = table.column("sample_id").to_numpy(zero_copy_only=False)
    langs = table.column("lang").to_numpy(zero_copy_only=False)
    tokens = table.column("n_tokens").to_numpy(zero_copy_only=False)
    rank = np.full(len(ids), -1, dtype=np.int64)
    reason = np.full(len(ids), None, dtype=object)
    seeds = list(dict.fromkeys([config["sample_seed"], *(config["arm_seeds"] if "curated" in config["arms"] else [])]))
    seeded = getattr(module, "SEEDED", False)
    seed_ranks = {seed: np.full(len(ids), -1, dtype=np.int64) for seed in seeds} if seeded else {}
    if module is not None:
        embeddings = None
        if uses_embeddings:
            embedded, embeddings = embedding_matrix(table.column("embedding"))
            if embedded.size < len(ids):
                raise ValueError(f"order by {by}: candidates without an embedding (is the model layer off?)")
        for lang in sorted(set(langs.tolist())):
            where = np.flatnonzero(langs == lang)
            candidates = _candidates(where, ids, tokens, embeddings, config, lang)
            for seed in seeds if seeded else seeds[:1]:  # sample_seed's first
                first, dropped = orders.ranking(module, candidates, step, seed)
                ranks = _ranks(first, where.size)
                if seeded:
                    seed_ranks[seed][where] = ranks
                if seed == seeds[0]:
                    rank[where] = ranks
                    reason[where[dropped]] = getattr(module, "DROP_REASON", f"recipe:{by}")
    elif by != "random":
        for lang in sorted(set(langs.tolist())):
            where = np.flatnonzero(langs == lang)
            rank[where] = np.arange(1, where.size + 1)
    return pa.table(
        {
            "sample_id": pa.array(ids, pa.string()),
            "lang": pa.array(langs, pa.string()),
            "selection_rank": pa.array(np.where(rank >= 0, rank, None), pa.int64()),
            "drop_reason": pa.array(reason, pa.string()),
            "seed_ranks": pa.array(
                [
                    [(s, int(r[i])) for s, r in seed_ranks.items()] if seed_ranks and rank[i] >= 0 else None
                    for i in range(len(ids))
                ],
                pa.map_(pa.int64(), pa.int64()),
            ),
        }
    )


def _candidates(where, ids, tokens, embeddings, config, lang):
    """One language's rows `where` as the order modules take them."""
    ratio = config["en_ratio"] if lang == "en" else 1 - config["en_ratio"]
    x = None
    if embeddings is not None:
        from udfs.selection.vectors import centered

        x = centered(embeddings[where])  # cosine between one language's samples, without the common direction
    return orders.Candidates(ids[where], tokens[where], config["token_budget"] * ratio, x)


def _ranks(first, n):
    """Ranks (1-based) of n rows in visiting order: the rows `first` first, in that order, the rest after."""
    rest = np.setdiff1d(np.arange(n), first)  # ascending: the visiting order
    out = np.empty(n, dtype=np.int64)
    out[np.concatenate([first, rest]).astype(np.int64)] = np.arange(1, n + 1)
    return out
