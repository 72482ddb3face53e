"""The selection recipe's order step over the selected candidates (mart_sample_selection), per
language: selection_rank 1, 2, ... is the order the mix draws in (ratio_sample's order_by).

- random: no rank (the mix keeps its seeded random order);
- a column of mart_sample_selection, e.g. `ifd desc`: ranked by it, ties by sample_id;
- kcenter: K-Center-Greedy (udfs/selection/kcenter.py) over the embeddings (centred per language,
  udfs/selection/vectors.py `centered`) until the language's
  token share (token_budget x its ratio) is reached; the rest follow by sample_id. Its first centre
  is drawn with sample_seed (selection_rank) and, when the experiment has a curated arm, once more
  with each arm seed (seed_ranks: seed -> rank), so each curated arm's seed changes its K-Center;
- dsir: DSIR importance resampling toward the target examples (target_root): the largest
  Gumbel-perturbed log importance weights first (int_dsir_pool_weights.draw_key, seeded by
  sample_seed), a draw without replacement proportional to the weights; needs model scores of no kind;
- target_similarity: embedding similarity toward the target examples: the largest mean cosine to the
  target_similarity_k nearest target examples first (mart_target_similarity; a language without
  target examples follows by sample_id, drawn seeded among near ranks as every ranked order is);
- deita: the DEITA filter (udfs/selection/deita.py) visiting the rows best quality first (model
  quality score, then IFD, then sample_id) with the step's threshold (default 0.9, DEITA's); rows it
  rejects get drop_reason 'recipe:deita_too_similar' and leave the curated pool.
"""

import json

import numpy as np
import pyarrow as pa

from udfs.selection.arrow_vectors import embedding_matrix

DEITA_REASON = "recipe:deita_too_similar"
TARGET_ORDERS = {"dsir": "draw_key desc", "target_similarity": "target_similarity desc nulls last"}


def model(dbt, session):
    dbt.config(materialized="table")
    config = json.loads(dbt.config.get("vars_json"))
    orders = [s for s in config["selection_recipe"] if s["step"] == "order"]
    step = orders[-1] if orders else {"by": "random"}
    by = step.get("by") or "random"
    if by in TARGET_ORDERS:
        order = TARGET_ORDERS[by]
    elif by in ("random", "kcenter", "deita"):
        order = "model_quality_score desc nulls last, ifd desc nulls last"
    else:
        order = by
    order_sql = f"lang, {order}, sample_id"
    selected = dbt.ref("mart_sample_selection").filter("is_selected")
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
    if by in ("kcenter", "deita"):
        scores = dbt.ref("mart_base_scores").select("sample_id, embedding")
        selected, columns = selected.join(scores, "sample_id", how="left"), columns + ", embedding"
    table = selected.order(order_sql).select(columns).to_arrow_table()
    ids = table.column("sample_id").to_numpy(zero_copy_only=False)
    langs = table.column("lang").to_numpy(zero_copy_only=False)
    tokens = table.column("n_tokens").to_numpy(zero_copy_only=False)
    rank = np.full(len(ids), -1, dtype=np.int64)
    reason = np.full(len(ids), None, dtype=object)
    seeds = list(dict.fromkeys([config["sample_seed"], *(config["arm_seeds"] if "curated" in config["arms"] else [])]))
    seed_ranks = {seed: np.full(len(ids), -1, dtype=np.int64) for seed in seeds} if by == "kcenter" else {}
    if by != "random":
        embeddings = None
        if by in ("kcenter", "deita"):
            embedded, embeddings = embedding_matrix(table.column("embedding"))
            if embedded.size < len(ids):
                raise ValueError(f"order by {by}: candidates without an embedding (is the model layer off?)")
        for lang in sorted(set(langs.tolist())):
            where = np.flatnonzero(langs == lang)
            for seed, ranks in seed_ranks.items():  # kcenter: once per start seed, sample_seed's first
                ranks[where] = _ranks(by, step, where, tokens, embeddings, config, lang, reason, seed)
            rank[where] = (
                seed_ranks[seeds[0]][where]
                if seed_ranks
                else _ranks(by, step, where, tokens, embeddings, config, lang, reason, seeds[0])
            )
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


def _ranks(by, step, where, tokens, embeddings, config, lang, reason, seed):
    """Ranks (1-based) of the rows `where` of one language, best-first order as given."""
    ranks = np.arange(1, where.size + 1)
    if by not in ("kcenter", "deita"):
        return ranks
    ratio = config["en_ratio"] if lang == "en" else 1 - config["en_ratio"]
    share = config["token_budget"] * ratio
    from udfs.selection.vectors import centered

    x = centered(embeddings[where])  # cosine between one language's samples, without the common direction
    if by == "kcenter":
        from udfs.selection.kcenter import kcenter_greedy

        first = kcenter_greedy(x, tokens[where], share, seed=seed)
    else:
        from udfs.selection.deita import DEITA_THRESHOLD, deita_filter

        first, rejected = deita_filter(
            x, tokens[where], share, np.arange(where.size), step.get("threshold") or DEITA_THRESHOLD
        )
        reason[where[rejected]] = DEITA_REASON
    rest = np.setdiff1d(np.arange(where.size), first)  # ascending: the given order
    out = np.empty(where.size, dtype=np.int64)
    out[np.concatenate([first, rest]).astype(np.int64)] = ranks
    return out
