"""Scores behind a persistent SQLite cache keyed by (content_hash, fingerprint, scope): the model is
loaded only if some item is missing, and every finished batch is committed before the next one
starts, so a killed run loses at most one batch and a re-run scores only what is missing.

Versioning rule: the scores live in `lm_scores`, each optional signal in a table of its own
(`lm_ifd`, `lm_embeddings`; SIGNAL_TABLES) with the same key. An item is served from the cache only
when `lm_scores` and the table of every requested signal hold it; otherwise it is scored again with
all requested signals and every table is written. So a cache written before a signal existed stays
valid for what it holds (its scores serve runs that ask for no signal), and nothing is read that was
not written by the same fingerprint. SCORER_VERSION (in the fingerprint) is bumped only when a
stored value would change for the same model and text."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from pathlib import Path

from compute import score_missing
from udfs.lm_scoring.scorer import check_signals, score_samples
from udfs.lm_scoring.sequences import SCOPES

SCORE_FIELDS = ("n_tokens", "mean_entropy", "mean_nll", "perplexity")
KEY_COLUMNS = "content_hash text not null, fingerprint text not null, scope text not null"
KEY = "primary key (content_hash, fingerprint, scope)"
# signal -> (table, stored column and its SQLite type); ifd itself is mean_nll / mean_nll_unconditional
SIGNAL_TABLES = {
    "ifd": ("lm_ifd", "mean_nll_unconditional", "real"),
    "embedding": ("lm_embeddings", "embedding", "blob"),
}


def embedding_blob(vector) -> bytes | None:
    """float32 little-endian bytes of a vector (None stays None)."""
    import numpy as np

    return None if vector is None else np.asarray(vector, dtype="<f4").tobytes()


def blob_embedding(blob: bytes | None):
    import numpy as np

    return None if blob is None else np.frombuffer(blob, dtype="<f4").copy()


class ScoreCache:
    """Scores keyed by (content_hash, fingerprint, scope) in a SQLite file (WAL mode)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), timeout=60.0, check_same_thread=False)
        self.conn.execute("pragma journal_mode=wal")
        self.conn.execute("pragma synchronous=normal")
        self.conn.execute(
            "create table if not exists lm_scores (content_hash text not null, fingerprint text not null, "
            "scope text not null, n_tokens integer not null, mean_entropy real, mean_nll real, "
            "perplexity real, primary key (content_hash, fingerprint, scope)) without rowid"
        )
        for table, column, kind in SIGNAL_TABLES.values():
            self.conn.execute(
                f"create table if not exists {table} ({KEY_COLUMNS}, {column} {kind}, {KEY}) without rowid"
            )
        self.conn.commit()

    def get_many(self, hashes: Iterable[str], fingerprint: str, scope: str, signals=()) -> dict[str, dict]:
        """Cached results of the hashes that have the scores and every requested signal."""
        signals = check_signals(signals)
        columns = ", ".join(f"s.{f}" for f in SCORE_FIELDS)
        joins = ""
        for signal in signals:
            table, column, _ = SIGNAL_TABLES[signal]
            columns += f", {table}.{column}"
            joins += f" join {table} using (content_hash, fingerprint, scope)"
        found: dict[str, dict] = {}
        hashes = list(dict.fromkeys(hashes))
        for lo in range(0, len(hashes), 500):
            part = hashes[lo : lo + 500]
            marks = ",".join("?" * len(part))
            for h, *values in self.conn.execute(
                f"select content_hash, {columns} from lm_scores as s{joins} "
                f"where fingerprint = ? and scope = ? and content_hash in ({marks})",
                [fingerprint, scope, *part],
            ):
                row = dict(zip(SCORE_FIELDS, values))
                extra = values[len(SCORE_FIELDS) :]
                for signal, value in zip(signals, extra):
                    if signal == "ifd":
                        unc = value
                        row["mean_nll_unconditional"] = unc
                        row["ifd"] = row["mean_nll"] / unc if unc and row["mean_nll"] is not None else None
                    else:
                        row["embedding"] = blob_embedding(value)
                found[h] = row
        return found

    def put_many(self, rows: Iterable[tuple[str, dict]], fingerprint: str, scope: str, signals=()) -> None:
        """Insert the scores and the requested signals, and commit (one transaction)."""
        rows = list(rows)
        with self.conn:
            self.conn.executemany(
                "insert or replace into lm_scores values (?, ?, ?, ?, ?, ?, ?)",
                [(h, fingerprint, scope, *(s[f] for f in SCORE_FIELDS)) for h, s in rows],
            )
            for signal in check_signals(signals):
                table, column, _ = SIGNAL_TABLES[signal]
                convert = embedding_blob if signal == "embedding" else (lambda v: v)
                self.conn.executemany(
                    f"insert or replace into {table} values (?, ?, ?, ?)",
                    [(h, fingerprint, scope, convert(s[column])) for h, s in rows],
                )

    def count(self) -> int:
        return self.conn.execute("select count(*) from lm_scores").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


def content_hash(prompt: str | None, response: str | None) -> str:
    """The default content hash when an item has none: md5(prompt || chr(31) || response), as in SQL."""
    return hashlib.md5(f"{prompt or ''}\x1f{response or ''}".encode()).hexdigest()


def item_get(item, key):
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def score_with_cache(
    cache_path: str | Path,
    model_loader: Callable[[], tuple],
    fingerprint: str,
    items: Sequence,
    scope: str = "response",
    signals=(),
    **score_kwargs,
) -> list[dict]:
    """Scores of `items` (mappings with content_hash, prompt, response), aligned with them, with
    the requested `signals` (see `score_samples`).

    Cached rows for (content_hash, fingerprint, scope) are used as they are; `model_loader()` ->
    (model, tokenizer) is called only if some hash is missing, and only the missing hashes (each once)
    are scored. Each finished batch is committed before the next one starts. `score_kwargs` go to
    `score_samples` (max_length, max_tokens_per_batch, progress, ...); `fingerprint` must cover
    everything that changes a score (see `scoring_fingerprint`)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")
    hashes = []
    for item in items:
        h = item_get(item, "content_hash")
        hashes.append(h if h else content_hash(item_get(item, "prompt"), item_get(item, "response")))
    signals = check_signals(signals)
    with closing(ScoreCache(cache_path)) as cache:
        found = cache.get_many(hashes, fingerprint, scope, signals)
        missing: dict[str, int] = {}
        for i, h in enumerate(hashes):
            if h not in found and h not in missing:
                missing[h] = i
        if missing:
            todo_hashes = list(missing)
            prompts = [item_get(items[missing[h]], "prompt") or "" for h in todo_hashes]
            responses = [item_get(items[missing[h]], "response") or "" for h in todo_hashes]

            def persist(indices: list[int], scores: list[dict]) -> None:
                rows = [(todo_hashes[i], s) for i, s in zip(indices, scores)]
                cache.put_many(rows, fingerprint, scope, signals)
                found.update(rows)

            score_missing(  # in-process, or on a Ray cluster when score_kwargs holds compute (compute/)
                score_kwargs.pop("compute", None), model_loader, prompts, responses, keys=todo_hashes,
                on_batch=persist, cache_path=cache_path, fingerprint=fingerprint, scope=scope, signals=signals,
                batch_fn=score_samples, **score_kwargs,
            )  # fmt: skip
    return [dict(found[h]) for h in hashes]
